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

interface ProcessLike {
  getBuiltinModule?: (id: string) => unknown;
  moduleLoadList?: readonly string[];
  once?: (e: string, f: () => void) => void;
  on?: (e: string, f: (w: WorkerLike) => void) => void;
}
const proc = (globalThis as { process?: ProcessLike }).process;

/**
 * Whether node:worker_threads is already loaded in this thread, so that using it costs nothing.
 * Node loads it in every Worker before any user code runs; a thread of Node's where it is not
 * loaded yet is therefore the main thread. Bun and Deno have an empty `process.moduleLoadList`:
 * there (and wherever the list is missing or empty) this says yes, and worker_threads is loaded at
 * once, as sabkit always did.
 */
const workerThreadsLoaded: boolean = ((list) =>
  list === undefined ||
  list.length === 0 ||
  list.includes('NativeModule worker_threads') ||
  list.includes('NativeModule internal/worker'))(proc?.moduleLoadList);

let wtModule: WorkerThreadsLike | undefined;
let wtTried = false;
/**
 * node:worker_threads, loaded on first need (why: it costs ~2.5 ms in a fresh process, and importing
 * sabkit must not pay that): creating the table, or a thread id on a thread other than Node's main one.
 */
function wt(): WorkerThreadsLike | undefined {
  if (wtTried) return wtModule;
  wtTried = true;
  try {
    wtModule = proc?.getBuiltinModule?.('node:worker_threads') as WorkerThreadsLike | undefined;
  } catch {
    wtModule = undefined;
  }
  return wtModule;
}

/**
 * This thread's id: Node's worker_threads.threadId (0 on the main thread, known without loading
 * worker_threads: see workerThreadsLoaded). Outside Node, a random id above the table's range, so it
 * never collides with a Node thread and is never reported dead.
 */
export const currentThreadId: number =
  (workerThreadsLoaded ? wt()?.threadId : proc?.getBuiltinModule === undefined ? undefined : 0) ??
  DEAD_TABLE_THREADS + Math.floor(Math.random() * 0x3e000000);

let table: Int32Array | undefined;

/** The process-wide dead-thread table, creating and publishing it on first use. */
export function livenessTable(): Int32Array {
  if (table) return table;
  requireSharedMemory('sabkit');
  const w = wt();
  const existing = w?.getEnvironmentData(LIVENESS_ENV_KEY);
  if (existing instanceof SharedArrayBuffer && existing.byteLength === DEAD_TABLE_BYTES) {
    table = new Int32Array(existing);
  } else {
    const sab = new SharedArrayBuffer(DEAD_TABLE_BYTES);
    w?.setEnvironmentData(LIVENESS_ENV_KEY, sab);
    table = new Int32Array(sab);
  }
  if (w && proc?.once) proc.once('exit', () => markThreadDead(currentThreadId));
  // Every Worker this thread creates from now on is watched without the user's help.
  if (w && proc?.on) proc.on('worker', watchWorker);
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
//
// Where worker_threads is already loaded (every Worker; a main thread that imported it first) the
// table is made now, so every Worker created later inherits it. Otherwise (Node's main thread before
// anything loaded worker_threads) it is made with the first object that needs it (every lock does,
// and the pool does before its first worker) or, failing that, when the thread creates its first
// Worker: that Worker is watched, but it was given its environment data before the table existed,
// so it does not inherit the table (as a worker created before sabkit was loaded: docs/runtimes.md).
if (workerThreadsLoaded) {
  if (wt()) livenessTable();
} else if (proc?.once) {
  (proc.once as (e: string, f: (w: WorkerLike) => void) => void)('worker', (worker) => {
    if (table === undefined && wt()) {
      livenessTable();
      watchWorker(worker);
    }
  });
}
