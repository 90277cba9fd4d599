// Shared by the fault-injection suite (test/fault-*.test.ts) and its worker (fixtures/fault-worker.ts):
// the words of the control block both sides read. No node:test import (a worker loads it).

/** Int32 words of the control SharedArrayBuffer. */
export const ROUND = 0; // current round; workers park on it
export const STOP = 1;
export const VIOLATIONS = 2; // mutual exclusion broken, duplicate item, torn cell...
export const TIMEOUTS = 3; // a bounded wait ran out where it should not have: a deadlock would show here
export const RECOVERED = 4; // OwnerDeadError seen (takeovers)
export const KILL_SLOT = 5; // the worker slot that dies this round, -1 none
export const KILL_HOW = 6;
export const KILL_AT = 7; // the die() point (counted within the round) where an exit/throw victim dies
export const DONE = 8; // +1 by each worker that finished a round
export const SEQ = 9; // next queue item id
export const OPS_DONE = 10; // completed increments of the Value
export const BROKEN = 11; // BrokenBarrierError seen
export const GEN = 12; // Condition: the round its notifier has announced (guarded by the lock)
export const FIRST_ERROR = 13; // 1 once a worker reported an unexpected error (message posted)
export const HOLD = 16; // HOLD + slot: thread id + 1 while that worker is inside a critical section
export const WORDS = 32;

export const HOW_NONE = 0;
export const HOW_EXIT = 1;
export const HOW_THROW = 2;
export const HOW_TERMINATE = 3;
export const HOW_NAMES = ['none', 'exit', 'throw', 'terminate'];

/** Workers operating on each object at once. */
export const WORKERS = 3;
/** Every bounded wait inside a round (ms): far above a takeover (ROBUST_POLL_MS) even on a loaded machine. */
export const OP_TIMEOUT_MS = 8_000;
