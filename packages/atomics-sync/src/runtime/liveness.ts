/**
 * Which threads are dead: the table that lets a lock held by a thread that exited be taken over
 * instead of deadlocking everyone else (robust locks, as POSIX's EOWNERDEAD).
 *
 * Layout: one SharedArrayBuffer shared by every thread of the process, a bitmap indexed by
 * thread id (Node's `worker_threads.threadId`; the main thread is 0).
 *
 *   word w (Int32), bit b  ->  thread id 32*w + b is dead (1) or alive/unknown (0)
 *   DEAD_TABLE_THREADS bits in all (2^24 thread ids, 2 MiB, zero pages cost nothing until written)
 *
 * How threads come to share it: the first thread that needs it (creating any lock does) creates
 * it and publishes it with `worker_threads.setEnvironmentData`; Node copies environment data into
 * every Worker created afterwards, and so on down the tree. A worker therefore finds the same
 * table, provided a sabkit lock (or `livenessTable()`) was created before the worker was.
 *
 * Who marks a thread dead:
 *  - the thread itself, from its `process.on('exit')` (normal end, `process.exit()`);
 *  - whoever created the worker, when the Worker emits 'exit' (covers `terminate()`, an uncaught
 *    error, running out of memory, none of which run the worker's own exit hooks): every thread
 *    that has the table watches the workers it creates from then on by itself (Node's
 *    `process.on('worker')`, emitted in the creating thread for each new Worker), and
 *    `watchWorker(worker)` does it for a worker created before (the sabkit pool calls it too).
 *
 * Not covered: thread ids >= DEAD_TABLE_THREADS; workers created before the table existed in their
 * creating thread and never watched (a Queue or Pipe whose readers' or writers' lock such a
 * worker held then says so with StuckHolderError instead of timing out silently); runtimes without
 * `process.on('worker')`; memory shared with another process (there is none in Node); a thread that
 * is alive but stuck holding the lock (that is a deadlock, not a death).
 *
 * Layout: docs/layouts/liveness.md
 */
import { requireSharedMemory } from './shared.js';

/** Thread ids the table covers. */
export const DEAD_TABLE_THREADS = 1 << 24;
/** Bytes of the table. */
export const DEAD_TABLE_BYTES = DEAD_TABLE_THREADS / 8;
/** Key under which the table is published in worker_threads environment data. */
export const LIVENESS_ENV_KEY = 'sabkit:liveness:v1';

interface WorkerThreadsLike {
  threadId: number;
  getEnvironmentData(key: unknown): unknown;
  setEnvironmentData(key: unknown, value: unknown): void;
}
interface WorkerLike {
  threadId: number;
  once(event: 'exit', listener: (code: number) => void): unknown;
}

const wt: WorkerThreadsLike | undefined = (() => {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return p?.getBuiltinModule?.('node:worker_threads') as WorkerThreadsLike | undefined;
  } catch {
    return undefined;
  }
})();

/**
 * This thread's id: Node's worker_threads.threadId (0 on the main thread). Outside Node, a random
 * id above the table's range, so it never collides with a Node thread and is never reported dead.
 */
export const currentThreadId: number = wt?.threadId ?? DEAD_TABLE_THREADS + Math.floor(Math.random() * 0x3e000000);

let table: Int32Array | undefined;

/** The process-wide dead-thread table, creating and publishing it on first use. */
export function livenessTable(): Int32Array {
  if (table) return table;
  requireSharedMemory('sabkit');
  const existing = wt?.getEnvironmentData(LIVENESS_ENV_KEY);
  if (existing instanceof SharedArrayBuffer && existing.byteLength === DEAD_TABLE_BYTES) {
    table = new Int32Array(existing);
  } else {
    const sab = new SharedArrayBuffer(DEAD_TABLE_BYTES);
    wt?.setEnvironmentData(LIVENESS_ENV_KEY, sab);
    table = new Int32Array(sab);
  }
  const proc = (
    globalThis as {
      process?: { once?: (e: string, f: () => void) => void; on?: (e: string, f: (w: WorkerLike) => void) => void };
    }
  ).process;
  if (wt && proc?.once) proc.once('exit', () => markThreadDead(currentThreadId));
  // Every Worker this thread creates from now on is watched without the user's help.
  if (wt && proc?.on) proc.on('worker', watchWorker);
  return table;
}

/** Records that thread `threadId` has exited. Idempotent. */
export function markThreadDead(threadId: number): void {
  if (!Number.isInteger(threadId) || threadId < 0 || threadId >= DEAD_TABLE_THREADS) return;
  Atomics.or(livenessTable(), threadId >>> 5, 1 << (threadId & 31));
}

/**
 * Whether thread `threadId` is known to have exited. Racy read: a thread that died an instant ago
 * may still read as alive; callers that poll (lock waiters) see it on their next poll.
 */
export function isThreadDead(threadId: number): boolean {
  if (threadId < 0 || threadId >= DEAD_TABLE_THREADS) return false;
  return (Atomics.load(livenessTable(), threadId >>> 5) & (1 << (threadId & 31))) !== 0;
}

/**
 * Marks `worker`'s thread dead when it exits, however it exits. The sabkit pool does this for its
 * own workers; call it for Workers you create yourself that may hold sabkit locks.
 */
export function watchWorker(worker: WorkerLike): void {
  livenessTable();
  const id = worker.threadId;
  worker.once('exit', () => markThreadDead(id));
}

// Loaded means watching: from the moment sabkit is imported in a Node thread, the workers it
// creates are watched and it marks itself dead at exit, whichever object it uses first (a Barrier,
// say, takes no lock that would have created the table). Only where worker_threads exists: a
// runtime without SharedArrayBuffer must get its named error from the first object, not an import
// that throws.
if (wt) livenessTable();
