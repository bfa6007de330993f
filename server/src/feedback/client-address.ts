import type { IncomingMessage } from 'node:http';

/**
 * The address a rate limit should key on. Behind `trustedProxies` reverse proxies (a load balancer,
 * an ingress), every client arrives from the proxy's address, so the socket address would put all
 * users in one bucket; each trusted proxy appends the address it saw to X-Forwarded-For. Counting
 * from the right, as Express's `trust proxy` number does: the socket is hop 0, the last header entry
 * hop 1, and so on. Entries left of the trusted hops were written by the client and are ignored, so
 * a client cannot pick its own bucket. With 0 (the default) the header is not read at all.
 */
export function clientAddress(req: IncomingMessage, trustedProxies = 0): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  if (trustedProxies <= 0) return socket;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const hops = [socket, ...forwarded.reverse()];
  return hops[Math.min(trustedProxies, hops.length - 1)]!;
}
