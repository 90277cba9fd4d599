/**
 * direct.ts in the browser build: a proxy's own connection to a network manager needs a socket.
 * Never reached through the public API (an address is refused at construction:
 * platform.browser.ts); here so that the browser build holds no network code.
 */
import { ManagerNetworkUnavailableError } from './manager-errors.js';

export class DirectConnection {
  static open(): Promise<DirectConnection> {
    return Promise.reject(new ManagerNetworkUnavailableError('Manager.connect()'));
  }
  close(): void {}
}
