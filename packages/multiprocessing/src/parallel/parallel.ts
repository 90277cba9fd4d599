/**
 * Parallel loops for numeric code on shared memory, OpenMP's `parallel for` and `reduction`:
 *
 *     const a = new Float64Array(new SharedArrayBuffer(8 * n));
 *     await parallelFor(n, (i, a) => { a[i] = Math.sqrt(i); }, { args: [a], pool });
 *     const sumSq = await parallelReduce(a, (x) => x * x, (s, t) => s + t, 0, { pool });
 *
 * The iterations are cut into chunks (by default 4 per worker, at least `minChunk` iterations
 * each) that run on a Pool's or a Piscina's workers. Nothing is copied: the arrays are shared
 * memory, and a chunk is only its bounds. In the worker each body gets a loop compiled for it
 * alone, so that V8 inlines the body (parallel-chunk.ts).
 *
 * Sources and body signatures:
 *  - a count `n` or a range `{ start, stop, step }`: `body(i, ...args)`;
 *  - a typed array over a SharedArrayBuffer, or a sabkit SharedArray / RawArray of numbers:
 *    `body(value, index, view, ...args)`, as Array.prototype.forEach (view is the typed array).
 *
 * `parallelReduce(source, map, combine, identity)` maps every iteration and folds the values with
 * `combine`, which must be associative with `identity` as its neutral element: each chunk starts
 * from `identity`, and the chunks' results are combined in chunk order on the caller's side (so a
 * floating-point sum is the same from run to run for the same chunking). Bodies are synchronous;
 * they follow the inline-function rule (inline.ts): everything they use comes in through `args`.
 */
import { InvalidArgumentError, describe, isSharedDescriptor } from '@sabkit/atomics-sync';
import { Piscina } from '@sabkit/piscina';
import { Pool, RUN_LOOP_CHUNK, RUNNER_URL } from '../pool/pool.js';
import { loadTask, taskSpec, type ModuleTask } from '../tasks/inline.js';
import { cpuCount } from '../process/current-process.js';
import { packView, packViews } from '../tasks/shared-views.js';
import type { LoopChunk, LoopSourceSpec } from './parallel-chunk.js';

/** A range of integers, as Python's range(start, stop, step). */
export interface LoopRange {
  readonly start?: number;
  readonly stop: number;
  readonly step?: number;
}

type NumericArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** What a loop runs over. */
export type LoopSource = number | LoopRange | NumericArray | { readonly view: NumericArray };

/** Options of `parallelFor` and `parallelReduce`: where to run and how to cut the range into chunks. */
export interface LoopOptions {
  /** Where to run: a Pool or a Piscina. Default: a Pool of cpuCount() workers made for this call. */
  readonly pool?: Pool | Piscina;
  /** Extra arguments passed to every call of the body (shared arrays, constants). */
  readonly args?: readonly unknown[];
  /** Number of chunks; default min(4 × workers, ceil(iterations / minChunk)). */
  readonly chunks?: number;
  /** Fewest iterations in a chunk when the number of chunks is automatic; default 1024. */
  readonly minChunk?: number;
}

/** A body or map function: inline or a module export. */
// biome-ignore lint/suspicious/noExplicitAny: a body of any parameter list; `unknown[]` would refuse typed functions
export type LoopFn = ((...args: any[]) => unknown) | ModuleTask | string | URL;

const DEFAULT_MIN_CHUNK = 1024;

interface Plan {
  readonly source: LoopSourceSpec;
  readonly n: number;
}

function planSource(source: unknown, fnName: string): Plan {
  if (typeof source === 'number') return planSource({ start: 0, stop: source, step: 1 }, fnName);
  if (ArrayBuffer.isView(source) && !(source instanceof DataView)) {
    const view = source as NumericArray;
    if (!(view.buffer instanceof SharedArrayBuffer)) {
      throw new InvalidArgumentError(
        `${fnName}: the array must live in a SharedArrayBuffer (workers would get a copy of an ordinary ` +
          `ArrayBuffer and their writes would be lost); got a ${view.constructor.name} over an ArrayBuffer`,
      );
    }
    // Sent packed, so that the worker writes to the same memory (shared-views.ts).
    return { source: { kind: 'array', view: packView(view) as NumericArray }, n: view.length };
  }
  if (isSharedDescriptor(source) && ArrayBuffer.isView((source as { view?: unknown }).view)) {
    return planSource((source as unknown as { view: NumericArray }).view, fnName);
  }
  if (typeof source === 'object' && source !== null && 'stop' in source) {
    const { start = 0, stop, step = 1 } = source as LoopRange;
    for (const [k, v] of [
      ['start', start],
      ['stop', stop],
      ['step', step],
    ] as const) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v))
        throw new InvalidArgumentError(`${fnName}: range ${k} must be a safe integer, got ${describe(v)}`);
    }
    if (step === 0) throw new InvalidArgumentError(`${fnName}: range step must not be zero`);
    const n = Math.max(0, Math.ceil((stop - start) / step));
    return { source: { kind: 'range', start, step }, n };
  }
  throw new InvalidArgumentError(
    `${fnName}: source must be a count, a range { start, stop, step }, a typed array over a ` +
      `SharedArrayBuffer, or a SharedArray; got ${describe(source)}`,
  );
}

function workersOf(pool: Pool | Piscina | undefined): number {
  if (pool instanceof Pool) return pool.processes;
  const max = (pool as { options?: { maxThreads?: unknown } } | undefined)?.options?.maxThreads;
  return typeof max === 'number' && max > 0 ? max : cpuCount();
}

/** Splits [0, n) into chunk bounds. */
function chunkBounds(n: number, workers: number, options: LoopOptions, fnName: string): Array<[number, number]> {
  const { chunks, minChunk = DEFAULT_MIN_CHUNK } = options;
  if (chunks !== undefined && (!Number.isInteger(chunks) || chunks < 1))
    throw new InvalidArgumentError(`${fnName}: chunks must be a positive integer, got ${describe(chunks)}`);
  if (!Number.isInteger(minChunk) || minChunk < 1)
    throw new InvalidArgumentError(`${fnName}: minChunk must be a positive integer, got ${describe(minChunk)}`);
  const count = Math.max(1, Math.min(n, chunks ?? Math.min(4 * workers, Math.ceil(n / minChunk))));
  const out: Array<[number, number]> = [];
  // Even split: the first n % count chunks get one iteration more.
  const base = Math.floor(n / count);
  const extra = n % count;
  let lo = 0;
  for (let c = 0; c < count; c++) {
    const hi = lo + base + (c < extra ? 1 : 0);
    out.push([lo, hi]);
    lo = hi;
  }
  return out;
}

async function runChunks(chunks: LoopChunk[], options: LoopOptions, fnName: string): Promise<unknown[]> {
  const given = options.pool;
  if (given !== undefined && !(given instanceof Pool) && !(given instanceof Piscina)) {
    throw new InvalidArgumentError(`${fnName}: pool must be a Pool or a Piscina, got ${describe(given)}`);
  }
  const pool = given ?? new Pool();
  try {
    return await Promise.all(
      chunks.map((c) =>
        pool instanceof Pool
          ? pool[RUN_LOOP_CHUNK](c)
          : (pool.run(c, { filename: RUNNER_URL, name: 'runLoop' }) as Promise<unknown>),
      ),
    );
  } finally {
    if (!given) await (pool as Pool).terminate();
  }
}

function checkArgs(options: LoopOptions | undefined, fnName: string): LoopOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError(`${fnName}: options must be an object, got ${describe(options)}`);
  if (options.args !== undefined && !Array.isArray(options.args))
    throw new InvalidArgumentError(`${fnName}: args must be an array, got ${describe(options.args)}`);
  return options;
}

/** Runs `body` for every iteration of `source`, in parallel. */
export async function parallelFor(source: LoopSource, body: LoopFn, options?: LoopOptions): Promise<void> {
  const opts = checkArgs(options, 'parallelFor');
  const plan = planSource(source, 'parallelFor');
  const spec = taskSpec(body, 'body');
  if (plan.n === 0) return;
  const args = packViews(opts.args ?? []);
  const chunks = chunkBounds(plan.n, workersOf(opts.pool), opts, 'parallelFor').map(
    ([lo, hi]): LoopChunk => ({ source: plan.source, lo, hi, body: spec, args }),
  );
  await runChunks(chunks, opts, 'parallelFor');
}

/**
 * Maps every iteration of `source` with `map` and folds the values with `combine` (associative,
 * with `identity` as neutral element), in parallel.
 */
export async function parallelReduce<R>(
  source: LoopSource,
  map: LoopFn,
  combine: LoopFn | ((a: R, b: R) => R),
  identity: R,
  options?: LoopOptions,
): Promise<R> {
  const opts = checkArgs(options, 'parallelReduce');
  const plan = planSource(source, 'parallelReduce');
  const mapSpec = taskSpec(map, 'map');
  const combineSpec = taskSpec(combine, 'combine');
  if (plan.n === 0) return identity;
  const args = packViews(opts.args ?? []);
  const chunks = chunkBounds(plan.n, workersOf(opts.pool), opts, 'parallelReduce').map(
    ([lo, hi]): LoopChunk => ({ source: plan.source, lo, hi, body: mapSpec, combine: combineSpec, identity, args }),
  );
  const partials = await runChunks(chunks, opts, 'parallelReduce');
  const fold =
    typeof combine === 'function' ? (combine as (a: unknown, b: unknown) => unknown) : await loadTask(combineSpec);
  let acc: unknown = partials[0];
  for (let i = 1; i < partials.length; i++) acc = fold(acc, partials[i]);
  return acc as R;
}
