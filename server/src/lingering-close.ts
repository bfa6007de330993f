import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

export interface LingerLimits {
  /** Longest time to keep reading (and discarding) after the answer was sent. */
  ms: number;
  /** Most bytes to read and discard before closing anyway. */
  bytes: number;
}

/**
 * Lingering close (as Apache and nginx do): when the server answers before it has read the
 * whole request body (413, 401, 404 …) it must close the connection, but closing while the
 * client is still sending makes the kernel reset the connection, and the client then sees
 * EPIPE/ECONNRESET instead of the answer. So after the answer the socket only half-closes
 * (FIN), keeps reading and discarding what the client still sends, for a bounded time and
 * number of bytes, and closes when the client stops or a bound is reached.
 *
 * Node's server closes a `Connection: close` socket with `socket.destroySoon()` once the
 * response is written; this replaces that method on this one socket.
 */
export function lingerOnClose(req: IncomingMessage, limits: LingerLimits): void {
  const socket = req.socket as Socket & { destroySoon?: () => void };
  if (typeof socket.destroySoon !== 'function' || (socket as { lingering?: boolean }).lingering) return;
  (socket as { lingering?: boolean }).lingering = true;
  req.resume();
  socket.destroySoon = () => {
    let discarded = 0;
    const close = (): void => {
      clearTimeout(timer);
      socket.destroy();
    };
    const timer = setTimeout(close, limits.ms);
    timer.unref();
    socket.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > limits.bytes) close();
    });
    socket.once('end', close);
    socket.once('close', () => clearTimeout(timer));
    socket.end();
    socket.resume();
  };
}
