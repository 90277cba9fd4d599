/**
 * link.ts in the browser build: a link to a server elsewhere needs a socket. Never reached through
 * the public API (an address is refused at construction: platform.browser.ts); here so that the
 * browser build holds no network code.
 */
import { ManagerNetworkUnavailableError } from './manager-errors.js';

export type { LinkOptions } from './link.js';

export function openConnection(): Promise<never> {
  return Promise.reject(new ManagerNetworkUnavailableError('Manager.connect()'));
}

export async function runLink(): Promise<never> {
  throw new ManagerNetworkUnavailableError('Manager.connect()');
}
