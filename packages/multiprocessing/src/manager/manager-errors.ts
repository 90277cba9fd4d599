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

for (const cls of [AuthenticationError, ManagerStartError, ManagerConnectionError, NotExposedError]) {
  registerErrorClass(cls);
}
