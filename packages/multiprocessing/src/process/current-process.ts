/**
 * Who this thread is, in multiprocessing's terms: `currentProcess()`, `parentProcess()`,
 * and `cpuCount()` (`activeChildren()` is in process.ts).
 *
 * A "process" here is a thread: the main thread is 'MainProcess', a `Process` runs in a worker of
 * its own, a Pool's workers are 'PoolWorker-<thread id>'. Ids are Node thread ids (the main
 * thread's is 0). The identity is kept on globalThis under a registered symbol, not in module
 * state, so that it is the same however many copies of this module a worker loads (the package's
 * dist and a test build, say).
 */
import { availableParallelism, cpus } from 'node:os';
import { isMainThread, threadId } from 'node:worker_threads';

/** What `currentProcess()` and `parentProcess()` report. */
export interface ProcessInfo {
  /** 'MainProcess', 'Process-1', 'Process-1:2' (a child's child), 'PoolWorker-3'... */
  readonly name: string;
  /** The thread id (Node's worker_threads.threadId; 0 for the main thread). */
  readonly pid: number;
  /** Same as pid (Python's `ident`). */
  readonly ident: number;
  /** Whether the thread was started as a daemon. */
  readonly daemon: boolean;
  /** Python's `_identity`: the position of this process in the tree of Processes ([] for the main thread). */
  readonly identity: readonly number[];
  /** Always true: a thread that can ask is alive. */
  isAlive(): boolean;
}

/** What a worker started by sabkit is told about itself (it travels in workerData). */
export interface ProcessIdentity {
  readonly name: string;
  readonly daemon: boolean;
  readonly identity: readonly number[];
  readonly parent: { readonly name: string; readonly pid: number } | null;
}

interface GlobalState {
  self: ProcessIdentity;
  /** Processes started by this thread and not yet seen to exit. */
  readonly children: Set<{ isAlive(): boolean; readonly daemon: boolean; join(): Promise<void> }>;
  /** Counter for child names, as Python's `_process_counter`. */
  counter: number;
}

const KEY = Symbol.for('sabkit.multiprocessing.current');

function state(): GlobalState {
  const g = globalThis as unknown as Record<symbol, GlobalState | undefined>;
  let s = g[KEY];
  if (!s) {
    s = {
      self: isMainThread
        ? { name: 'MainProcess', daemon: false, identity: [], parent: null }
        : { name: `Thread-${threadId}`, daemon: false, identity: [], parent: null },
      children: new Set(),
      counter: 0,
    };
    g[KEY] = s;
  }
  return s;
}

/** Records who this worker is; called once by the worker entry points (Process, Pool). */
export function setCurrentIdentity(identity: ProcessIdentity): void {
  state().self = identity;
}

/** The identity of this thread, as a ProcessIdentity (sent to children as their parent). */
export function currentIdentity(): ProcessIdentity {
  return state().self;
}

/** Python's `multiprocessing.current_process()`. */
export function currentProcess(): ProcessInfo {
  const self = state().self;
  return {
    name: self.name,
    pid: threadId,
    ident: threadId,
    daemon: self.daemon,
    identity: self.identity,
    isAlive: () => true,
  };
}

/** Python's `multiprocessing.parent_process()`: the thread that started this one, or null in the main thread. */
export function parentProcess(): { readonly name: string; readonly pid: number } | null {
  return state().self.parent;
}

/** The children registry (used by Process). */
export function childRegistry(): GlobalState['children'] {
  return state().children;
}

/** Next child number of this thread (Python's `_process_counter`). */
export function nextChildNumber(): number {
  return ++state().counter;
}

/** Python's `multiprocessing.cpu_count()`: the number of CPUs this process may use. */
export function cpuCount(): number {
  return typeof availableParallelism === 'function' ? availableParallelism() : Math.max(1, cpus().length);
}
