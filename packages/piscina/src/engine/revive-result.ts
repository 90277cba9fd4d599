/**
 * Results and progress values made live on the main thread (revive()), never thrown at the poller.
 * Why: the poller reads every worker's responses in one drain; a value that cannot be revived here
 * (a descriptor whose region is not valid in this thread) thrown from it would leave the drain's
 * other results unread, their tasks unsettled, and take the process down as an uncaught exception.
 */
import { revive } from './kinds.js';
import type { HeldTask } from './worker-handle.js';

/** Fulfils `task` with its result made live, or rejects it with the reason it cannot be. */
export function settleRevived(task: HeldTask, value: unknown): void {
  let live: unknown;
  try {
    live = revive(value);
  } catch (e) {
    task.settle(false, e);
    return;
  }
  task.settle(true, live);
}

/** A progress value made live, or as it came if it cannot be. */
export function reviveOrRaw(value: unknown): unknown {
  try {
    return revive(value);
  } catch {
    return value;
  }
}
