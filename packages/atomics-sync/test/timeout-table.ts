// The timeout table of docs/conventions.md: the values every blocking call's table test tries,
// and what each rule makes of them. A helper module without node:test hooks, so any test file
// (and none of the worker fixtures) may import it.
import assert from 'node:assert/strict';

export type TimeoutCase = number | string | null | undefined;

/** Python's negatives, "try once", values that are not timeouts, and the three ways to say "no limit". */
export const TIMEOUT_CASES: readonly TimeoutCase[] = [-1, -5, 0, NaN, 'x', null, undefined, Infinity];

/** What a call does with a timeout: answer without waiting, refuse it, or wait without limit. */
export type Outcome = 'now' | 'invalid' | 'forever';

/** The 'python' rule (Event.wait, Queue.get...): a negative timeout does not wait. */
export function pythonRule(t: TimeoutCase): Outcome {
  if (t === null || t === undefined || t === Infinity) return 'forever';
  if (typeof t !== 'number' || Number.isNaN(t)) return 'invalid';
  return 'now';
}

/** The 'lock' rule (Lock/RLock.acquire): -1 is no limit, another negative value is an error. */
export function lockRule(t: TimeoutCase): Outcome {
  if (t === -1) return 'forever';
  if (typeof t === 'number' && t < 0) return 'invalid';
  return pythonRule(t);
}

/** The case as the tests' messages show it. */
export const label = (t: TimeoutCase): string => (typeof t === 'string' ? JSON.stringify(t) : String(t));

/** The case typed as a timeout (the invalid ones are passed on purpose). */
export const asTimeout = (t: TimeoutCase): number | null | undefined => t as number | null | undefined;

/**
 * For a wait without limit: asserts `p` has not settled after a few turns of the event loop (a call
 * that did not wait would have settled in its first turn), then runs `release`, which makes the
 * wait's condition true, and returns `p`. No clock is read: an unlimited wait cannot settle early.
 */
export async function stillWaiting<T>(p: Promise<T>, release: () => void, what: string): Promise<T> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, `${what}: still waiting before its condition came true`);
  release();
  return p;
}
