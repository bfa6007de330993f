import type { IncomingMessage } from 'node:http';

export interface LingerLimits {
  /** Longest time to keep reading (and discarding) the rest of the body after the answer. */
  ms: number;
  /** Most bytes to read and discard before closing anyway. */
  bytes: number;
}

/**
 * Lingering close (as Apache and nginx do). When the server answers before it has read the
 * whole request body (413, 401, 404 …), closing the connection at once while the client is
 * still sending makes the kernel reset it, and the client sees EPIPE/ECONNRESET instead of the
 * answer. So the answer is sent and the rest of the body is read and discarded, for a bounded
 * time and number of bytes; past a bound the connection is closed. A body that ends within the
 * bounds leaves the connection usable (keep-alive).
 */
export function lingerOnEarlyAnswer(req: IncomingMessage, limits: LingerLimits): void {
  if (req.complete || (req as { lingering?: boolean }).lingering) return;
  (req as { lingering?: boolean }).lingering = true;
  let discarded = 0;
  const cut = (): void => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(cut, limits.ms);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.bytes) cut();
  });
  req.once('end', () => clearTimeout(timer));
  req.once('close', () => clearTimeout(timer));
  req.resume();
}
