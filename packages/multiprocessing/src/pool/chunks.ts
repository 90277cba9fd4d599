/**
 * The Pool's free helpers, apart from the class so that pool.ts reads as Python's Pool: how map
 * cuts its input into chunks and joins their results, and the argument checks its methods share.
 * None of them holds state or knows the engine.
 */
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';

/** Chunks of numbers at least this long travel as a transferred Float64Array (below, a clone is as cheap). */
export const NUMERIC_MIN_CHUNK = 64;

/** Python's default chunksize for map: ceil(n / (4 × workers)), at least 1. */
export function defaultChunksize(n: number, workers: number): number {
  return Math.max(1, Math.ceil(n / (4 * workers)));
}

export function checkPositiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

export function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return (
    typeof v === 'object' && v !== null && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}

export function isIterable(v: unknown): v is Iterable<unknown> {
  return v !== null && v !== undefined && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/** map's input as an array, read through first when it is async. */
export function itemsOf(iterable: unknown, method: string): unknown[] | Promise<unknown[]> {
  if (Array.isArray(iterable)) return iterable;
  if (isIterable(iterable)) return Array.from(iterable);
  if (isAsyncIterable(iterable)) return collect(iterable);
  throw notIterable(iterable, method);
}

/** One wording for map's and imap's refusal of an input they cannot read. */
export function notIterable(iterable: unknown, method: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `Pool.${method}(): iterable must be an iterable or an async iterable, got ${describe(iterable)}`,
  );
}

export function allNumbers(items: readonly unknown[]): boolean {
  for (let i = 0; i < items.length; i++) if (typeof items[i] !== 'number') return false;
  return true;
}

/**
 * The chunks' results as one array. For numbers the array starts out holding doubles, so that
 * V8 stores them unboxed and never changes its representation on the way (about 2× faster than
 * filling an empty array with 100k doubles).
 */
export function flatten(parts: ReadonlyArray<ArrayLike<unknown>>, n: number, numeric: boolean): unknown[] {
  const out: unknown[] = numeric ? new Array<number>(n).fill(0.5) : new Array(n);
  let k = 0;
  for (const r of parts) for (let i = 0; i < r.length; i++) out[k++] = r[i];
  return out;
}

async function collect(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}
