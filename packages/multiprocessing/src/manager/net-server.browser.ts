/**
 * net-server.ts in the browser build: a server cannot listen without sockets. Never reached
 * through the public API (an address is refused at construction: platform.browser.ts); here so
 * that the browser build holds no network code.
 */
import { ManagerNetworkUnavailableError } from './manager-errors.js';

export type { NetServerOptions } from './net-server.js';

export class NetServer {
  readonly rejected = 0;
  constructor() {
    throw new ManagerNetworkUnavailableError('Server.listen()');
  }
  listen(): Promise<never> {
    return Promise.reject(new ManagerNetworkUnavailableError('Server.listen()'));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
