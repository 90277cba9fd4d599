/**
 * Typed arrays over a SharedArrayBuffer, kept shared on their way to a pool worker.
 *
 * postMessage shares the memory of such a view; the engine's fast path does not: its codec (and
 * node:v8's serializer, which writes a view's bytes) carries the bytes, so the worker would write
 * to a private copy and the caller would never see the writes. A bare SharedArrayBuffer, on the
 * other hand, makes the engine send the task by structured clone, which shares it. So a view
 * travels as { __sabkitView: constructor name, buffer, byteOffset, length } and is rebuilt over
 * the same memory in the worker. Only top-level values are handled (a map item, a starmap or
 * apply argument, a loop's source and args): a view nested deeper in an object is the engine's to
 * carry.
 */

const VIEW_TAG = '__sabkitView';

interface PackedView {
  readonly [VIEW_TAG]: string;
  readonly buffer: SharedArrayBuffer;
  readonly byteOffset: number;
  readonly length: number;
}

const CTORS: Record<string, new (b: SharedArrayBuffer, o: number, n: number) => ArrayBufferView> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
};

/** The travelling form of `v` if it is a view over a SharedArrayBuffer; else `v`. */
export function packView(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || !ArrayBuffer.isView(v) || !(v.buffer instanceof SharedArrayBuffer))
    return v;
  const name = v.constructor.name;
  if (!Object.hasOwn(CTORS, name)) return v;
  const length = v instanceof DataView ? v.byteLength : (v as unknown as { length: number }).length;
  return { [VIEW_TAG]: name, buffer: v.buffer, byteOffset: v.byteOffset, length } satisfies PackedView;
}

/** Packs every element of `list` that needs it; returns `list` itself when none does. */
export function packViews<T extends readonly unknown[]>(list: T): T {
  let out: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const p = packView(list[i]);
    if (p !== list[i]) (out ??= [...list])[i] = p;
  }
  return (out ?? list) as unknown as T;
}

/** The view again, over the same memory, if `v` is a packed view; else `v`. */
export function unpackView(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || !Object.hasOwn(v, VIEW_TAG)) return v;
  const p = v as PackedView;
  const Ctor = CTORS[p[VIEW_TAG]];
  return Ctor ? new Ctor(p.buffer, p.byteOffset, p.length) : v;
}

/** Unpacks every element of `list` in place and returns it. */
export function unpackViews<T extends unknown[]>(list: T): T {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x === 'object' && x !== null) list[i] = unpackView(x);
  }
  return list;
}
