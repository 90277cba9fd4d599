/**
 * The worker side of a Pool, loaded by runner.ts in the background as the worker starts. It runs a
 * chunk of items
 * through a task function (a module export or an inline function, see inline.ts) and the parallel
 * loops' chunks (parallel.ts), and runs the pool's initializer once per worker before any task.
 *
 * A chunk is one engine task, as in Python (where a chunk is one task too, and maxtasksperchild
 * counts chunks). Items of a chunk run one after another, also when the function is async: a
 * chunk of async calls does not turn into a burst of concurrent ones.
 */
import { threadId, workerData } from 'node:worker_threads';
import { revive } from '@sabkit/atomics-sync';
// Registers the manager proxies' kind, so that revive() makes them live in this worker.
import '../manager/revive.js';
import { explainInlineError, loadTask } from '../tasks/inline.js';
import { InitializerError } from '../errors.js';
import { setCurrentIdentity } from '../process/current-process.js';
import { runLoopChunk, type LoopChunk } from '../parallel/parallel-chunk.js';
import { unpackView } from '../tasks/shared-views.js';
import { move } from '@sabkit/piscina/internal';
import { POOL_WORKER_DATA_KEY, type ChunkTask, type PoolWorkerInit } from './runner-protocol.js';

const init = (workerData as Record<string, PoolWorkerInit | undefined> | null | undefined)?.[POOL_WORKER_DATA_KEY];

// Pool workers are daemons, as in Python: they never outlive their pool.
setCurrentIdentity({ name: `PoolWorker-${threadId}`, daemon: true, identity: [], parent: init?.parent ?? null });

/**
 * true once the initializer has run (or when there is none); else the promise of its end, which
 * rejects with InitializerError if it failed. The engine loads this module when the worker starts,
 * so the initializer runs then, before the first task, as in Python.
 */
const ready: true | Promise<void> = initialize(init);
let initDone = ready === true;
if (ready !== true)
  ready.then(
    () => {
      initDone = true;
    },
    () => {},
  );
/** Settles once the initializer has run, whether it succeeded or not. */
export const initialized: Promise<void> =
  ready === true
    ? Promise.resolve()
    : ready.then(
        () => {},
        () => {},
      );

function initialize(init: PoolWorkerInit | undefined): true | Promise<void> {
  const spec = init?.initializer;
  if (!init || !spec) return true;
  const fail = (e: unknown): never => {
    throw new InitializerError(
      `the pool's initializer ` +
        `(${spec.kind === 'inline' ? `function ${spec.name}` : `${spec.url}#${spec.name}`}) failed in ` +
        `worker ${threadId}, so this worker cannot run tasks: ${(e as Error)?.message ?? String(e)}`,
      { cause: explainInlineError(e, spec) },
    );
  };
  try {
    const f = loadTask(spec);
    // Each argument on its own (see reviveRepeat).
    const args = init.initargs.map((a) => revive(a));
    const r = isThenable(f) ? f.then((fn) => fn(...args)) : f(...args);
    if (!isThenable(r)) return true;
    const p = Promise.resolve(r).then(() => {}, fail);
    p.catch(() => {});
    return p;
  } catch (e) {
    const p = Promise.reject(e).catch(fail);
    p.catch(() => {});
    return p;
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as PromiseLike<unknown>).then === 'function'
  );
}

/** Runs one chunk: every item through the task function, in order. */
export function runChunk(task: ChunkTask): unknown[] | Promise<unknown[]> {
  if (!initDone) return (ready as Promise<void>).then(() => runChunk(task));
  const f = loadTask(task.fn);
  if (isThenable(f)) return f.then((fn) => (task.nums ? callNumbers(fn, task, task.nums) : callAll(fn, task, 0, [])));
  return task.nums ? callNumbers(f, task, task.nums) : callAll(f, task, 0, []);
}

/**
 * A chunk of numbers: results go into a Float64Array that is transferred back, as long as they are
 * numbers; at the first one that is not (or a promise), the rest runs through callAll.
 */
function callNumbers(
  fn: (...a: unknown[]) => unknown,
  task: ChunkTask,
  nums: Float64Array,
): unknown[] | Promise<unknown[]> {
  const n = nums.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let r: unknown;
    try {
      r = fn(nums[i]);
    } catch (e) {
      throw explainInlineError(e, task.fn);
    }
    if (typeof r === 'number') {
      out[i] = r;
      continue;
    }
    const rest: ChunkTask = { ...task, items: Array.from(nums), nums: undefined };
    const done = Array.from(out.subarray(0, i)) as unknown[];
    if (isThenable(r)) {
      return Promise.resolve(r).then(
        (v) => {
          done.push(v);
          return callAll(fn, rest, i + 1, done);
        },
        (e) => {
          throw explainInlineError(e, task.fn);
        },
      );
    }
    done.push(r);
    return callAll(fn, rest, i + 1, done);
  }
  return move(out) as unknown as unknown[];
}

function callAll(
  fn: (...a: unknown[]) => unknown,
  task: ChunkTask,
  from: number,
  out: unknown[],
): unknown[] | Promise<unknown[]> {
  const { items, star } = task;
  for (let i = from; i < items.length; i++) {
    let r: unknown;
    try {
      if (star) {
        const args = items[i];
        if (!Array.isArray(args)) {
          throw new TypeError(
            `${task.method}: item ${task.offset + i} is ${describeItem(args)}, not an array of arguments`,
          );
        }
        r = fn(...reviveEach(args));
      } else {
        r = fn(reviveRepeat(items[i]));
      }
    } catch (e) {
      throw explainInlineError(e, task.fn);
    }
    if (isThenable(r)) {
      return Promise.resolve(r).then(
        (v) => {
          out.push(v);
          return callAll(fn, task, i + 1, out);
        },
        (e) => {
          throw explainInlineError(e, task.fn);
        },
      );
    }
    out.push(r);
  }
  return out;
}

// Each argument is revived again, on its own, for two reasons. The engine revives the task as a
// whole, and revive() leaves a second reference to an object it already saw as it was (shared.ts
// tracks visited objects, not their revived form): the same Lock passed with every item would
// arrive live only in the first. And the engine may have revived the task before this module
// loaded manager.js, whose proxies it then did not know. revive() skips what is already live.
// Typed arrays over shared memory travel packed (shared-views.ts) and are unpacked here too.
function reviveRepeat(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const view = unpackView(v);
  if (view !== v) return view;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype ||
    proto === Array.prototype ||
    proto === null ||
    v instanceof Map ||
    v instanceof Set
    ? revive(v)
    : v;
}

function reviveEach(args: unknown[]): unknown[] {
  for (let j = 0; j < args.length; j++) args[j] = reviveRepeat(args[j]);
  return args;
}

function describeItem(v: unknown): string {
  return v === null
    ? 'null'
    : typeof v === 'object'
      ? `a ${(v as object).constructor?.name ?? 'object'}`
      : `${typeof v} ${String(v).slice(0, 20)}`;
}

/** Runs one chunk of a parallel loop (parallel.ts). */
export function runLoop(task: LoopChunk): unknown | Promise<unknown> {
  if (!initDone) return (ready as Promise<void>).then(() => runLoopChunk(task));
  return runLoopChunk(task);
}
