/**
 * Who the server is answering right now: `connection:thread`, set around each synchronous call
 * into a managed object, so that an RLock or a Condition knows its owner as Python's server knows
 * the thread behind a proxy.
 */
let caller = '';

export function currentCaller(): string {
  return caller;
}

/** Runs `fn` as `who`. */
export function withCaller<T>(who: string, fn: () => T): T {
  const prev = caller;
  caller = who;
  try {
    return fn();
  } finally {
    caller = prev;
  }
}
