/**
 * builtins.ts in the browser build: no `node:net` or `node:tls` (a browser has no sockets: a
 * network manager is refused before it gets here, platform.browser.ts), and of `node:crypto` only
 * what a local manager uses, random bytes for its authkey, from Web Crypto.
 */
import { ManagerNetworkUnavailableError } from './manager-errors.js';

const refuse = (what: string) => (): never => {
  throw new ManagerNetworkUnavailableError(`Manager (${what})`);
};

export const net = refuse('node:net');
export const tls = refuse('node:tls');
/** Web Crypto's random bytes, under node:crypto's name. */
export const crypto = () => ({
  randomBytes: (n: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n)),
});
