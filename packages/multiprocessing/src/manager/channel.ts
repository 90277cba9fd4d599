/**
 * The request channel between a manager's proxies (in any thread of this process) and the thread
 * that answers them: the manager's server, or a link thread that forwards to a server over the
 * network. Requests travel in slots of one SharedArrayBuffer, so a proxy works in whichever
 * worker it is sent to, and a call costs two cache-line hand-offs when both sides are awake.
 *
 * Layout (Int32 words; then SLOT_COUNT slots of SLOT_HEADER_BYTES + SLOT_BYTES each):
 *
 *   word 0  DOORBELL        bumped by every request; the server parks on it when idle
 *   word 1  SHUTDOWN        SHUT_OPEN 0, SHUT_DOWN 1 (shutdown()), SHUT_SERVER_FAILED 2 (the
 *                           server's thread failed or exited), SHUT_LINK_LOST 3 (a link's
 *                           connection is gone): clients stop waiting, the server stops
 *   word 2  SERVER_TID      the serving thread's id + 1 (0 until it runs), for the liveness check
 *   word 3  SERVER_PARKED   1 while the server is (about to be) parked: requests notify DOORBELL
 *   word 4  SLOT_COUNT      number of slots
 *   word 5  SLOT_BYTES      payload bytes per slot (a multiple of 8)
 *   word 6  SLOT_WAITERS    clients waiting for a free slot
 *   word 7  FREED           bumped when a slot is freed while SLOT_WAITERS > 0; they park on it
 *   word 8  START_MS        how long a client waits for a server that never ran (ManagerStartError)
 *   word 9  REQUEST_MS      longest wait for an answer beyond the call's own timeout; 0 = none
 *   slot word 0  S_STATE    SLOT_FREE 0 -> SLOT_CLAIMED 1 (a client owns it) -> SLOT_REQUEST 2
 *                           -> SLOT_BUSY 3 (the server took it) -> SLOT_RESPONSE 4 -> SLOT_FREE;
 *                           SLOT_ABANDONED 5: the client gave up, the server frees it when done
 *   slot word 1  S_LENGTH   payload bytes (request, then response; wire.ts)
 *   slot word 2  S_CALLER   the client's thread id + 1 (the server frees slots of dead clients)
 *   slot word 3  S_WAITING  1 while the client is (about to be) parked on S_STATE: only then does
 *                           the server notify it (Atomics.notify costs ~0.1-0.2 µs even with no waiter)
 *
 * All-zero memory is a channel with no server yet (SLOT_COUNT 0 is filled in by the creator).
 * Every transition of S_STATE is one CAS or a store by the one side that owns the slot in that
 * state, so a client that gives up (timeout) and a server that answers late cannot both write it.
 *
 * Layout: docs/layouts/manager-channel.md
 */
import { currentThreadId, isThreadDead } from '@sabkit/atomics-sync';

export const DOORBELL = 0;
export const SHUTDOWN = 1;
export const SERVER_TID = 2;
export const SERVER_PARKED = 3;
export const SLOT_COUNT = 4;
export const SLOT_BYTES = 5;
export const SLOT_WAITERS = 6;
export const FREED = 7;
export const START_MS = 8;
export const REQUEST_MS = 9;
export const HEADER_BYTES = 64;
export const SLOT_HEADER_BYTES = 16;
export const S_STATE = 0;
export const S_LENGTH = 1;
export const S_CALLER = 2;
export const S_WAITING = 3;
export const SLOT_FREE = 0;
export const SLOT_CLAIMED = 1;
export const SLOT_REQUEST = 2;
export const SLOT_BUSY = 3;
export const SLOT_RESPONSE = 4;
export const SLOT_ABANDONED = 5;
export const SHUT_OPEN = 0;
export const SHUT_DOWN = 1;
export const SHUT_SERVER_FAILED = 2;
export const SHUT_LINK_LOST = 3;
/** Default slots: one per thread that may be inside a call at the same time before others queue. */
export const DEFAULT_SLOTS = 16;
/** Default payload bytes per slot (1 MiB; untouched pages of a SharedArrayBuffer cost no memory). */
export const DEFAULT_SLOT_BYTES = 1 << 20;
/** How often a parked client re-checks SHUTDOWN, the server's liveness and its own deadline. */
export const POLL_MS = 100;

/** A new, zeroed channel with its geometry written in. */
export function createChannel(slots: number, slotBytes: number, startMs: number, requestMs: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(HEADER_BYTES + slots * (SLOT_HEADER_BYTES + slotBytes));
  const i32 = new Int32Array(buffer, 0, HEADER_BYTES / 4);
  i32[SLOT_COUNT] = slots;
  i32[SLOT_BYTES] = slotBytes;
  i32[START_MS] = startMs;
  i32[REQUEST_MS] = requestMs;
  return buffer;
}

/** Byte offset of slot `i`'s header. */
export function slotOffset(buffer: SharedArrayBuffer, i: number): number {
  const slotBytes = new Int32Array(buffer, 0, HEADER_BYTES / 4)[SLOT_BYTES] as number;
  return HEADER_BYTES + i * (SLOT_HEADER_BYTES + slotBytes);
}

/** Why the channel is closed, as SHUTDOWN says; undefined while open. */
export function closedReason(state: number): string | undefined {
  if (state === SHUT_OPEN) return undefined;
  if (state === SHUT_DOWN) return 'the manager has been shut down';
  if (state === SHUT_SERVER_FAILED) return "the manager's server thread failed or exited";
  return "the connection to the manager's server was lost (the server died, closed it, or did not answer in time)";
}

/** Marks the channel closed with `state` and wakes everyone parked on it. */
export function markClosed(buffer: SharedArrayBuffer, state: number): void {
  const i32 = new Int32Array(buffer);
  Atomics.compareExchange(i32, SHUTDOWN, SHUT_OPEN, state);
  Atomics.add(i32, DOORBELL, 1);
  Atomics.notify(i32, DOORBELL);
  Atomics.add(i32, FREED, 1);
  Atomics.notify(i32, FREED);
  const slots = i32[SLOT_COUNT] as number;
  for (let i = 0; i < slots; i++) Atomics.notify(i32, slotOffset(buffer, i) / 4 + S_STATE);
}

/** True when thread `tid + 1` (as stored in SERVER_TID / S_CALLER) is known to have exited. */
export function deadTid(stored: number): boolean {
  return stored !== 0 && isThreadDead(stored - 1);
}

export const MY_TID = currentThreadId + 1;
