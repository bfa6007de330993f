import type { EventEmitter } from 'node:events';
import type { ServerHttp2Session } from 'node:http2';
import type { Server } from '@grpc/grpc-js';

/**
 * HTTP/2 flow-control windows the gRPC server offers its clients. Node's default is 64 KiB per
 * stream and per connection, and @grpc/grpc-js's server has no option to change it (its
 * `grpc-node.flow_control_window` is read by the client transport only). With 64 KiB a client
 * sending a 200 KB batch-64 tensor stops three times to wait for a WINDOW_UPDATE, each a round
 * trip through both event loops: at one request in flight that was most of what gRPC lost to
 * binary REST, whose body the kernel's TCP buffers take at once. gRPC's C core grows its windows
 * by BDP probing (to megabytes); a fixed, generous window does the same on loopback and LANs.
 * Memory is bounded elsewhere: grpc-js reads every DATA frame as it arrives whatever the
 * window, and max_receive_message_length and the shared byte budget limit what is kept.
 */
export const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;
export const CONNECTION_WINDOW_BYTES = 16 * 1024 * 1024;

/**
 * Applies the windows to every session of `server`'s bound HTTP/2 servers. They are reached
 * through grpc-js's private `http2Servers` map (stable from 1.8 to 1.14); returns false when it
 * is not there, so a grpc-js that changed it costs speed, not correctness (a test checks the
 * SETTINGS a client sees). Call after bindAsync: each bind adds its HTTP/2 server to the map.
 */
export function widenFlowControlWindows(server: Server): boolean {
  const servers = (server as unknown as { http2Servers?: Map<EventEmitter, unknown> }).http2Servers;
  if (!(servers instanceof Map)) return false;
  for (const h2 of servers.keys()) {
    if (WIDENED.has(h2)) continue;
    WIDENED.add(h2);
    h2.on('session', (session: ServerHttp2Session) => {
      try {
        session.settings({ initialWindowSize: STREAM_WINDOW_BYTES });
        session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
      } catch {
        // a session closing as it opens: nothing to widen
      }
    });
  }
  return true;
}

const WIDENED = new WeakSet<EventEmitter>();
