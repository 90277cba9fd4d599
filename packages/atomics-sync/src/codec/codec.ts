/**
 * Value <-> bytes for queues, pipes and pool payloads: an encoding of any structured-cloneable value
 * into a caller-provided byte region, with fast paths for the values that dominate message traffic.
 *
 * API (all functions are pure apart from a one-entry memo, see `encode`):
 *
 *   encodeInto(value, dst, offset, room) -> n
 *       Encodes `value` into dst[offset, offset + room). Returns n > 0, the bytes written, or, when
 *       `room` is too small, a negative number -needed (the exact byte length of the encoding;
 *       the region's content is then unspecified). Never writes outside the region.
 *   encode(value) -> Uint8Array
 *       The encoding in a fresh, non-shared Uint8Array. Right after an encodeInto of the same
 *       value that returned -needed, reuses that call's serialisation instead of redoing it.
 *   decode(src, offset, length) -> value
 *       The value encoded in src[offset, offset + length). Always returns fresh objects: typed
 *       arrays and ArrayBuffers are copied out, so the region may be reused at once.
 *   encodedKind(src, offset) -> tag (one of the TAG_ constants), for diagnostics and tests.
 *
 * Format: byte 0 is a tag; the rest depends on it. The region's length is the message's length,
 * so nothing carries a length prefix. Multi-byte numbers are little-endian.
 *
 *   TAG_UNDEFINED / TAG_NULL / TAG_FALSE / TAG_TRUE   1 byte
 *   TAG_INT32     tag, int32                          5 bytes (integers in int32 range, not -0)
 *   TAG_FLOAT64   tag, float64                        9 bytes (every other number: -0, NaN, ±Infinity)
 *   TAG_BIGINT64  tag, int64                          9 bytes (bigints in int64 range)
 *   TAG_STRING    tag, UTF-8 bytes                    1 + UTF-8 length (lone surrogates become U+FFFD,
 *                                                     as TextEncoder does; use a v8-encoded wrapper
 *                                                     object if you need them intact)
 *   TAG_BYTES     tag, type code (TYPE_*), 6 zero     8 + byteLength (typed arrays, DataView, ArrayBuffer;
 *                 bytes, raw bytes                    8-aligned raw bytes copy faster, see BYTES_HEADER)
 *   TAG_V8        tag, node:v8 serialize() output     everything else (objects, arrays, Map, Set, Date,
 *                                                     RegExp, Error, big bigints, boxed primitives...)
 *
 * Why fast paths: `v8.serialize` allocates a Buffer and a Serializer for every call (~1 µs even for
 * a number), while a number written with a DataView costs a few ns; the measurements are in
 * benchmarks/suites/queue.mjs ("codec" lines). Everything outside the fast paths goes through V8's
 * own ValueSerializer, the serializer behind structured clone and postMessage, so the semantics
 * (which types survive, what happens to prototypes, cycles, Error subclasses) are structured
 * clone's, not a hand-rolled format's. Differences from postMessage: a typed array backed by a
 * SharedArrayBuffer arrives as a private copy (its bytes are carried, not its buffer); a
 * SharedArrayBuffer (or a sabkit object, which holds one) cannot be carried at all — hand those over
 * once through workerData or postMessage.
 *
 * Values outside the fast paths go through node:v8 (codec-v8.ts), loaded on first use; in runtimes
 * without it they are refused with an InvalidArgumentError naming the limitation.
 */
import { InvalidArgumentError } from '../errors.js';
import { v8Deserialize, v8Serialize } from './codec-v8.js';

// Tag bytes (byte 0 of every encoding). 0 is never a tag, so an all-zero region is not a value.
/** Tag: `undefined`. */
export const TAG_UNDEFINED = 1;
/** Tag: `null`. */
export const TAG_NULL = 2;
/** Tag: `false`. */
export const TAG_FALSE = 3;
/** Tag: `true`. */
export const TAG_TRUE = 4;
/** Tag: a number that is an int32. */
export const TAG_INT32 = 5;
/** Tag: any other number, as a float64. */
export const TAG_FLOAT64 = 6;
/** Tag: a bigint that fits an int64. */
export const TAG_BIGINT64 = 7;
/** Tag: a string. */
export const TAG_STRING = 8;
/** Tag: an ArrayBuffer, typed array or DataView (then a TYPE_ code and the raw bytes). */
export const TAG_BYTES = 9;
/** Tag: anything else, in node:v8's serialization. */
export const TAG_V8 = 10;

// Type codes of TAG_BYTES (byte 1).
/** TAG_BYTES type code: ArrayBuffer. */
export const TYPE_ARRAY_BUFFER = 0;
/** TAG_BYTES type code: Int8Array. */
export const TYPE_INT8 = 1;
/** TAG_BYTES type code: Uint8Array. */
export const TYPE_UINT8 = 2;
/** TAG_BYTES type code: Uint8ClampedArray. */
export const TYPE_UINT8_CLAMPED = 3;
/** TAG_BYTES type code: Int16Array. */
export const TYPE_INT16 = 4;
/** TAG_BYTES type code: Uint16Array. */
export const TYPE_UINT16 = 5;
/** TAG_BYTES type code: Int32Array. */
export const TYPE_INT32 = 6;
/** TAG_BYTES type code: Uint32Array. */
export const TYPE_UINT32 = 7;
/** TAG_BYTES type code: Float32Array. */
export const TYPE_FLOAT32 = 8;
/** TAG_BYTES type code: Float64Array. */
export const TYPE_FLOAT64 = 9;
/** TAG_BYTES type code: BigInt64Array. */
export const TYPE_BIGINT64 = 10;
/** TAG_BYTES type code: BigUint64Array. */
export const TYPE_BIGUINT64 = 11;
/** TAG_BYTES type code: DataView. */
export const TYPE_DATA_VIEW = 12;

/**
 * Bytes before the raw bytes of a TAG_BYTES encoding: tag, type code, 6 zero bytes. The padding
 * makes the raw bytes word-aligned whenever the region starts 8-aligned (ring records do): V8
 * copies a SharedArrayBuffer's bytes word by word only when they are aligned, and byte by byte
 * otherwise, about 3x slower (measured: 64 KiB out of shared memory in 7 µs aligned, 23 µs not).
 */
export const BYTES_HEADER = 8;

type ViewCtor = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => ArrayBufferView;
const VIEW_CTORS: (ViewCtor | undefined)[] = [
  undefined,
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
] as unknown as (ViewCtor | undefined)[];

/** Byte payloads up to this size are copied by a JS loop (V8 keeps typed arrays this small on-heap). */
const SMALL_COPY = 64;

/** Strings up to this many UTF-16 units are encoded and decoded by a JS loop when they are ASCII:
 * below ~32 characters a loop beats the TextEncoder/TextDecoder call (measured ~2x at 16). */
const ASCII_LOOP_MAX = 32;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();
// Node's TextDecoder accepts views of a SharedArrayBuffer; browsers' does not, so outside Node we
// decode a copy.
const decoderTakesShared = (() => {
  try {
    textDecoder.decode(new Uint8Array(new SharedArrayBuffer(1)));
    return true;
  } catch {
    return false;
  }
})();

// One DataView for the last Uint8Array seen, over exactly its bytes: queues and pipes encode into
// the same ring view again and again, so this is almost always a hit and never allocates. Keyed
// by the view itself (not its .buffer: reading that getter was 9% of a put+get in a profile).
let dvFor: Uint8Array | undefined;
let dv: DataView = new DataView(new ArrayBuffer(8));
function viewOf(u8: Uint8Array): DataView {
  if (u8 !== dvFor) {
    dvFor = u8;
    dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  return dv;
}

// The memo of encode(): the last value whose v8 serialisation did not fit.
let memoValue: unknown;
let memoBytes: Uint8Array | undefined;

function typeCodeOf(view: ArrayBufferView): number {
  if (view instanceof Uint8Array) return TYPE_UINT8; // includes Buffer
  if (view instanceof Float64Array) return TYPE_FLOAT64;
  if (view instanceof Int32Array) return TYPE_INT32;
  if (view instanceof Uint32Array) return TYPE_UINT32;
  if (view instanceof Float32Array) return TYPE_FLOAT32;
  if (view instanceof Int8Array) return TYPE_INT8;
  if (view instanceof Uint8ClampedArray) return TYPE_UINT8_CLAMPED;
  if (view instanceof Int16Array) return TYPE_INT16;
  if (view instanceof Uint16Array) return TYPE_UINT16;
  if (view instanceof BigInt64Array) return TYPE_BIGINT64;
  if (view instanceof BigUint64Array) return TYPE_BIGUINT64;
  if (view instanceof DataView) return TYPE_DATA_VIEW;
  return -1; // a view type this codec does not know (e.g. Float16Array): v8 handles it
}

/** UTF-8 length of a string, as TextEncoder would encode it. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3; // BMP character, or a lone surrogate (U+FFFD)
  }
  return n;
}

function encodeString(s: string, dst: Uint8Array, offset: number, room: number): number {
  const len = s.length;
  if (len <= ASCII_LOOP_MAX && len + 1 <= room) {
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      dst[offset + 1 + i] = c;
    }
    if (i === len) {
      dst[offset] = TAG_STRING;
      return len + 1;
    }
  }
  // Every UTF-16 unit needs at most 3 UTF-8 bytes, so 3*len+1 bytes of room always suffice.
  if (len + 1 > room) return -(utf8Length(s) + 1);
  const r = textEncoder.encodeInto(s, dst.subarray(offset + 1, offset + room));
  if (r.read !== len) return -(utf8Length(s) + 1);
  dst[offset] = TAG_STRING;
  return r.written + 1;
}

/**
 * Encodes `value` into dst[offset, offset + room). Returns the bytes written (> 0), or -needed
 * when the encoding needs more than `room` bytes. Throws InvalidArgumentError for values that
 * cannot be encoded (functions, symbols, SharedArrayBuffers...).
 */
export function encodeInto(value: unknown, dst: Uint8Array, offset: number, room: number): number {
  switch (typeof value) {
    case 'number': {
      if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
        if (room < 5) return -5;
        dst[offset] = TAG_INT32;
        viewOf(dst).setInt32(offset + 1, value, true);
        return 5;
      }
      if (room < 9) return -9;
      dst[offset] = TAG_FLOAT64;
      viewOf(dst).setFloat64(offset + 1, value, true);
      return 9;
    }
    case 'string':
      return encodeString(value, dst, offset, room);
    case 'boolean':
      if (room < 1) return -1;
      dst[offset] = value ? TAG_TRUE : TAG_FALSE;
      return 1;
    case 'undefined':
      if (room < 1) return -1;
      dst[offset] = TAG_UNDEFINED;
      return 1;
    case 'bigint':
      if (BigInt.asIntN(64, value) === value) {
        if (room < 9) return -9;
        dst[offset] = TAG_BIGINT64;
        viewOf(dst).setBigInt64(offset + 1, value, true);
        return 9;
      }
      break;
    case 'object': {
      if (value === null) {
        if (room < 1) return -1;
        dst[offset] = TAG_NULL;
        return 1;
      }
      let code = -1;
      let src: Uint8Array | undefined;
      if (ArrayBuffer.isView(value)) {
        code = typeCodeOf(value);
        // A Uint8Array is copied as it is: reading `.buffer` of a small (on-heap) typed array
        // would move its bytes off the heap first.
        if (code === TYPE_UINT8) src = value as Uint8Array;
        else if (code >= 0) src = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      } else if (value instanceof ArrayBuffer) {
        code = TYPE_ARRAY_BUFFER;
        src = new Uint8Array(value);
      }
      if (src) {
        const n = BYTES_HEADER + src.byteLength;
        if (room < n) return -n;
        dst[offset] = TAG_BYTES;
        dst[offset + 1] = code;
        for (let i = 2; i < BYTES_HEADER; i++) dst[offset + i] = 0;
        dst.set(src, offset + BYTES_HEADER);
        return n;
      }
      break;
    }
  }
  const bytes = v8Serialize(value);
  const n = bytes.byteLength + 1;
  if (room < n) {
    memoValue = value;
    memoBytes = bytes;
    return -n;
  }
  memoBytes = undefined;
  dst[offset] = TAG_V8;
  dst.set(bytes, offset + 1);
  return n;
}

/**
 * The encoding of `value` in a fresh, non-shared Uint8Array. Called right after an encodeInto of
 * the same value that reported it did not fit, it reuses that serialisation (the caller must not
 * have changed the value in between; queues and pipes call it synchronously).
 */
export function encode(value: unknown): Uint8Array {
  if (memoBytes !== undefined && memoValue === value) {
    const out = new Uint8Array(memoBytes.byteLength + 1);
    out[0] = TAG_V8;
    out.set(memoBytes, 1);
    memoBytes = undefined;
    memoValue = undefined;
    return out;
  }
  memoBytes = undefined;
  memoValue = undefined;
  let out = new Uint8Array(16);
  const n = encodeInto(value, out, 0, out.byteLength);
  if (n >= 0) return out.subarray(0, n);
  if (memoBytes !== undefined) return encode(value);
  out = new Uint8Array(-n);
  encodeInto(value, out, 0, out.byteLength);
  return out;
}

function decodeString(src: Uint8Array, start: number, len: number): string {
  if (len <= ASCII_LOOP_MAX) {
    let s = '';
    let i = 0;
    for (; i < len; i++) {
      const c = src[start + i];
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === len) return s;
  }
  const bytes = src.subarray(start, start + len);
  return textDecoder.decode(decoderTakesShared || !(src.buffer instanceof SharedArrayBuffer) ? bytes : bytes.slice());
}

/** The tag of the encoding at src[offset]. */
export function encodedKind(src: Uint8Array, offset: number): number {
  return src[offset];
}

/**
 * Decodes the value encoded in src[offset, offset + length). Throws InvalidArgumentError if the
 * bytes are not an encoding (an unknown tag or a wrong length for the tag).
 */
export function decode(src: Uint8Array, offset: number, length: number): unknown {
  const tag = src[offset];
  switch (tag) {
    case TAG_INT32:
      if (length === 5) return viewOf(src).getInt32(offset + 1, true);
      break;
    case TAG_FLOAT64:
      if (length === 9) return viewOf(src).getFloat64(offset + 1, true);
      break;
    case TAG_STRING:
      if (length >= 1) return decodeString(src, offset + 1, length - 1);
      break;
    case TAG_UNDEFINED:
      if (length === 1) return undefined;
      break;
    case TAG_NULL:
      if (length === 1) return null;
      break;
    case TAG_TRUE:
      if (length === 1) return true;
      break;
    case TAG_FALSE:
      if (length === 1) return false;
      break;
    case TAG_BIGINT64:
      if (length === 9) return viewOf(src).getBigInt64(offset + 1, true);
      break;
    case TAG_BYTES: {
      if (length < BYTES_HEADER) break;
      const code = src[offset + 1];
      const n = length - BYTES_HEADER;
      const start = offset + BYTES_HEADER;
      if (code === TYPE_UINT8) {
        // new Uint8Array(n) of up to 64 bytes lives on the JS heap (no ArrayBuffer allocation,
        // ~10x cheaper), and a loop beats set(subarray()) at that size.
        const out = new Uint8Array(n);
        if (n <= SMALL_COPY) for (let i = 0; i < n; i++) out[i] = src[start + i];
        else out.set(src.subarray(start, start + n));
        return out;
      }
      const copy = new ArrayBuffer(n);
      new Uint8Array(copy).set(src.subarray(start, start + n));
      if (code === TYPE_ARRAY_BUFFER) return copy;
      const Ctor = VIEW_CTORS[code];
      if (!Ctor) break;
      const per = (Ctor as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      if (n % per !== 0) break;
      return new Ctor(copy, 0, code === TYPE_DATA_VIEW ? n : n / per);
    }
    case TAG_V8: {
      if (length <= 1) break;
      return v8Deserialize(src.subarray(offset + 1, offset + length));
    }
  }
  throw new InvalidArgumentError(`bytes at offset ${offset} (length ${length}) are not a sabkit encoding: tag ${tag}`);
}
