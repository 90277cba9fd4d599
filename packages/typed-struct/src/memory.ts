/**
 * The memory a struct lives in, and the views typed-struct reads it through.
 *
 * Any of ArrayBuffer, SharedArrayBuffer (growable or not) or WebAssembly.Memory (its current
 * `buffer`) can hold structs. For each buffer, one Memo holds a DataView and one typed array per
 * scalar kind over the whole buffer, made once and shared by every struct and array in that buffer
 * (a WeakMap keyed by the buffer), so creating a view costs one small object and reading a field
 * costs one typed-array load.
 *
 * Aligned fields read through the typed arrays (as fast as hand-written typed-array code);
 * misaligned ones (packed structs) through the DataView, little-endian. Typed arrays index with
 * `byteOffset >>> shift`, which is exact up to 4 GiB; a larger buffer takes the DataView path
 * everywhere (`fast` is false).
 *
 * A non-shared WebAssembly.Memory detaches its old ArrayBuffer when it grows: views made before
 * `memory.grow()` must be made again over the new `memory.buffer` (as with any typed array over
 * Wasm memory). A shared memory's old SharedArrayBuffer stays valid for its old length.
 */
import { InvalidRegionError, describe } from '@sabkit/atomics-sync/core';

/** A WebAssembly.Memory (structurally, so that no DOM or wasm type library is needed). */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(delta: number): number;
}

/** Where structs can live. */
export type StructBuffer = ArrayBuffer | SharedArrayBuffer | WasmMemoryLike;

const WasmMemory = (globalThis as { WebAssembly?: { Memory?: new (...a: never[]) => WasmMemoryLike } }).WebAssembly
  ?.Memory;

/** Largest buffer whose byte offsets `>>>` indexes exactly. */
const FAST_LIMIT = 2 ** 32;

export interface Memo {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly dv: DataView;
  /** False for buffers over 4 GiB: typed arrays below are then empty and the DataView is used. */
  readonly fast: boolean;
  readonly i8: Int8Array;
  readonly u8: Uint8Array;
  readonly i16: Int16Array;
  readonly u16: Uint16Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly i64: BigInt64Array;
  readonly u64: BigUint64Array;
  readonly f32: Float32Array;
  readonly f64: Float64Array;
}

const memos = new WeakMap<object, Memo>();

function whole<T>(
  Ctor: new (b: ArrayBufferLike, o: number, n?: number) => T,
  buffer: ArrayBuffer | SharedArrayBuffer,
  size: number,
  fast: boolean,
): T {
  if (!fast) return new Ctor(buffer, 0, 0);
  // A growable buffer gets length-tracking views, which follow it as it grows.
  const growable =
    (buffer as { growable?: boolean }).growable === true || (buffer as { resizable?: boolean }).resizable === true;
  return growable ? new Ctor(buffer, 0) : new Ctor(buffer, 0, Math.floor(buffer.byteLength / size));
}

/** The shared views of `buffer` (made on first use). */
export function memoFor(buffer: ArrayBuffer | SharedArrayBuffer): Memo {
  let m = memos.get(buffer);
  if (m === undefined) {
    const max = (buffer as { maxByteLength?: number }).maxByteLength ?? buffer.byteLength;
    const fast = max <= FAST_LIMIT;
    m = Object.freeze({
      buffer,
      dv: new DataView(buffer),
      fast,
      i8: whole(Int8Array, buffer, 1, fast),
      u8: whole(Uint8Array, buffer, 1, fast),
      i16: whole(Int16Array, buffer, 2, fast),
      u16: whole(Uint16Array, buffer, 2, fast),
      i32: whole(Int32Array, buffer, 4, fast),
      u32: whole(Uint32Array, buffer, 4, fast),
      i64: whole(BigInt64Array, buffer, 8, fast),
      u64: whole(BigUint64Array, buffer, 8, fast),
      f32: whole(Float32Array, buffer, 4, fast),
      f64: whole(Float64Array, buffer, 8, fast),
    });
    memos.set(buffer, m);
  }
  return m;
}

/** The ArrayBuffer or SharedArrayBuffer behind `value`, or InvalidRegionError naming `who`. */
export function toBuffer(value: unknown, who: string): ArrayBuffer | SharedArrayBuffer {
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) return value;
  if (WasmMemory !== undefined && value instanceof WasmMemory) return value.buffer;
  throw new InvalidRegionError(
    `${who}: buffer must be an ArrayBuffer, a SharedArrayBuffer or a WebAssembly.Memory, got ${describe(value)}`,
  );
}

/**
 * Throws InvalidRegionError unless [byteOffset, byteOffset + byteLength) lies in `buffer` and
 * byteOffset is a multiple of `align`.
 */
export function checkPlace(
  who: string,
  buffer: ArrayBuffer | SharedArrayBuffer,
  byteOffset: unknown,
  byteLength: number,
  align: number,
): number {
  if (typeof byteOffset !== 'number' || !Number.isSafeInteger(byteOffset) || byteOffset < 0) {
    throw new InvalidRegionError(`${who}: byteOffset must be a non-negative integer, got ${describe(byteOffset)}`);
  }
  if (byteOffset % align !== 0) {
    throw new InvalidRegionError(
      `${who}: byteOffset must be a multiple of the alignment ${align}, got ${byteOffset} (misaligned by ` +
        `${byteOffset % align})`,
    );
  }
  if (byteOffset + byteLength > buffer.byteLength) {
    throw new InvalidRegionError(
      `${who}: needs ${byteLength} bytes at byteOffset ${byteOffset}, but the buffer has only ` +
        `${buffer.byteLength} bytes`,
    );
  }
  return byteOffset;
}
