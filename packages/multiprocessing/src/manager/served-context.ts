/**
 * Who the server is answering right now: `connection:thread`, set around each synchronous call
 * into a managed object, so that an RLock or a Condition knows its owner as Python's server knows
 * the thread behind a proxy. Kept as two numbers; the string is made only when asked for.
 */
let conn = -1;
let thread = -1;
let named = '';

export function currentCaller(): string {
  return conn < 0 ? named : `${conn}:${thread}`;
}

/** Runs `fn` as `who` (a continuation that acts for a caller it saved). */
export function withCaller<T>(who: string, fn: () => T): T {
  const [c, t, n] = [conn, thread, named];
  conn = -1;
  named = who;
  try {
    return fn();
  } finally {
    [conn, thread, named] = [c, t, n];
  }
}

/** Sets the caller of the call about to run; returns nothing to restore (calls do not nest). */
export function setCaller(c: number, t: number): void {
  conn = c;
  thread = t;
}
