/**
 * Named errors of the manager layer, each with a stable `code` and registered for error transport
 * (so that they keep their class when they come back from the server or a link thread).
 */
import { SabkitError, registerErrorClass } from '@sabkit/atomics-sync';

/** Python's multiprocessing.AuthenticationError: the other side does not know the authkey. */
export class AuthenticationError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_AUTHENTICATION', message);
  }
}

/**
 * The manager's server did not start: its file is missing (a bundle that did not copy it), it
 * failed to load, it could not listen on its address, or it did not answer within `startTimeout`.
 */
export class ManagerStartError extends SabkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SABKIT_MANAGER_START', message, options);
  }
}

/**
 * The link to a manager's server is gone or broken: the server died, the connection closed, a
 * request got no answer within the manager's `timeout`, or the peer broke the wire protocol.
 */
export class ManagerConnectionError extends SabkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SABKIT_MANAGER_CONNECTION', message, options);
  }
}

/** Python's RemoteError/AttributeError: the managed object has no exposed method of that name. */
export class NotExposedError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_NOT_EXPOSED', message);
  }
}

/**
 * A network manager (an `address` to listen on or connect to, TCP or TLS) asked for where there are
 * no sockets: a browser's page or Web Worker. A local Manager() or SyncManager() (no address) runs
 * there, its server in a module Web Worker.
 */
export class ManagerNetworkUnavailableError extends SabkitError {
  /** `what` names the call and the option that asked for the network ("new SyncManager({ address })"). */
  constructor(what: string) {
    super(
      'ERR_SABKIT_MANAGER_NO_NETWORK',
      `${what}: a network manager (address, TCP or TLS, the authkey handshake) cannot run in a browser: ` +
        'a page and its Web Workers have no TCP sockets (no node:net or node:tls). A local Manager() or ' +
        'SyncManager() without an address runs there, its server in a module Web Worker',
    );
  }
}

for (const cls of [
  AuthenticationError,
  ManagerStartError,
  ManagerConnectionError,
  NotExposedError,
  ManagerNetworkUnavailableError,
]) {
  registerErrorClass(cls);
}
