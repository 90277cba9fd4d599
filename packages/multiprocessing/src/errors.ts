/**
 * Named errors of the multiprocessing layer (Pool, Process, inline tasks); a module task that
 * cannot be loaded is @sabkit/piscina's TaskModuleError. Each one stands where
 * Python raises, with a stable `code`, and is registered for error transport so that it keeps its
 * class when it comes back from a worker.
 */
import { SabkitError, registerErrorClass } from '@sabkit/atomics-sync';

/**
 * An inline function cannot run in a worker: it has no source (built-in, bound), it uses `this`,
 * `super`, `arguments` or `import.meta` of the code that defined it, or it refers to a variable
 * that only exists where it was defined (a closure). The message states the rule and the way out.
 * Python's equivalent is the seed's caveat: a function the children cannot import.
 */
export class InlineFunctionError extends SabkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SABKIT_INLINE_FUNCTION', message, options);
  }
}

/** A pool's initializer threw in a worker; every task sent to that worker fails with this. */
export class InitializerError extends SabkitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SABKIT_INITIALIZER', message, options);
  }
}

/**
 * An object is used in a state that does not allow the call: `successful()` before the result is
 * ready, `join()` on a running pool, `start()` twice. Python raises ValueError or AssertionError.
 */
export class InvalidStateError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_INVALID_STATE', message);
  }
}

/** Python's KeyError: a managed dict has no such key (`pop` without a default). */
export class KeyError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_KEY', message);
  }
}

for (const cls of [InlineFunctionError, InitializerError, InvalidStateError, KeyError]) registerErrorClass(cls);
