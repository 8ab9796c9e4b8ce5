// hub/auth — where the REST API may listen: loopback always; any other address only with API tokens configured.
import { isIP } from 'node:net';

export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped ? mapped[1]!.startsWith('127.') : false;
}

/** Throws (naming the keys to set) when the listener would expose an unauthenticated API beyond this machine. */
export function assertSafeBind(host: string, tokenCount: number): void {
  if (tokenCount > 0 || isLoopback(host)) return;
  throw new Error(
    `http.host is ${host}, which is not a loopback address, and no API tokens are configured: refusing to serve the REST API unauthenticated on the network. Set http.tokens (or DOCKGATE_API_TOKENS=name:role:token), or bind http.host to 127.0.0.1`,
  );
}
