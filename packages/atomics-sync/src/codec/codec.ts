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
 *   tryEncodeInto(value, dst, offset, room) -> n
 *       As encodeInto, but returns 0 (nothing usable written) for a value that holds shared memory
 *       (a SharedArrayBuffer, a view of one: encodeInto would copy its bytes), that only node:v8
 *       carries, or that has more than STRICT_MAX_VALUES values: for a caller with another way to
 *       send it, structured clone (postMessage), which keeps shared memory shared. One pass: the
 *       pool used to scan every argument for shared memory before encoding it.
 *   lastDecodeMayRevive() -> boolean
 *       Whether the value the last decode() returned may hold a sabkit object's descriptor (it
 *       has a key `__sabkit` or `@sabkit`, or came through node:v8): when false, revive() of it
 *       is a no-op and can be skipped.
 *
 * Format: byte 0 is a tag; the rest depends on it. The region's length is the message's length,
 * so nothing carries a length prefix. Multi-byte numbers are little-endian.
 *
 *   TAG_UNDEFINED / TAG_NULL / TAG_FALSE / TAG_TRUE   1 byte
 *   TAG_INT32     tag, int32                          5 bytes (integers in int32 range, not -0)
 *   TAG_FLOAT64   tag, float64                        9 bytes (every other number: -0, NaN, ±Infinity)
 *   TAG_BIGINT64  tag, int64                          9 bytes (bigints in int64 range)
 *   TAG_STRING    tag, UTF-8 bytes                    1 + UTF-8 length (well-formed strings)
 *   TAG_STRING16  tag, UTF-16 units                   1 + 2 * length (strings with lone surrogates, which
 *                                                     UTF-8 cannot carry; isWellFormed() picks the tag)
 *   TAG_BYTES     tag, type code (TYPE_*), 6 zero     8 + byteLength (typed arrays, DataView, ArrayBuffer;
 *                 bytes, raw bytes                    8-aligned raw bytes copy faster, see BYTES_HEADER)
 *   TAG_TREE      tag, tree (formats.ts)               objects, arrays, Map, Set, Date, RegExp, nested
 *                                                     typed arrays, boxed primitives, big bigints
 *   TAG_V8        tag, node:v8 serialize() output     what the tree encoder leaves to V8 (Errors, host
 *                                                     objects, nesting past 64 levels...)
 *
 * Why fast paths: `v8.serialize` allocates a Buffer and a Serializer for every call (~1 µs even for
 * a number), while a number written with a DataView costs a few ns; the measurements are in
 * benchmarks/suites/queue.mjs ("codec" lines). The tree encoder writes objects straight into the
 * region with structured clone's rules (tree-encode.ts lists them and its few known differences);
 * what it cannot carry goes through V8's own ValueSerializer, the serializer behind structured
 * clone and postMessage. test/codec-fuzz.test.ts compares round trips with structuredClone.
 * Differences from postMessage: a top-level typed array arrives as a copy of its own bytes (not of
 * its whole buffer); a typed array backed by a SharedArrayBuffer arrives as a private copy; a
 * SharedArrayBuffer (or a sabkit object, which holds one) cannot be carried at all — hand those over
 * once through workerData or postMessage.
 *
 * Strings never meet TextEncoder / TextDecoder on a view of shared memory (browsers refuse it):
 * short ones are coded by a JS loop, long ones through a private scratch buffer (formats.ts).
 *
 * Files: this module encodes; decode.ts decodes; tags.ts holds the tag values (both re-exported
 * here); tree-encode.ts / tree-decode.ts carry TAG_TREE.
 *
 * node:v8 (codec-v8.ts) is loaded on first use; in runtimes without it the tree encoder carries
 * all but the values listed under TAG_V8, which are refused with an InvalidArgumentError.
 */
import { v8Serialize } from './codec-v8.js';
import * as F from './formats.js';
import * as T from './tags.js';
import * as TreeEncode from './tree-encode.js';

// Copied into this module's own bindings once: across the CommonJS build's file boundaries an
// imported binding is read through a getter on every use.
const { SHORT_STRING, isWellFormed, utf8Length, utf8Scratch, viewOf, writeUtf16, writeUtf8Short } = F;
const { TYPE_ARRAY_BUFFER, TYPE_UINT8, typeCodeOf } = F;
const { BYTES_HEADER, TAG_BIGINT64, TAG_BYTES, TAG_FALSE, TAG_FLOAT64, TAG_INT32, TAG_NULL } = T;
const { TAG_STRING, TAG_STRING16, TAG_TREE, TAG_TRUE, TAG_UNDEFINED, TAG_V8 } = T;
const { TREE_BAIL, TREE_OVERFLOW, treeEncodeInto } = TreeEncode;

export {
  BYTES_HEADER,
  TAG_UNDEFINED,
  TAG_NULL,
  TAG_FALSE,
  TAG_TRUE,
  TAG_INT32,
  TAG_FLOAT64,
  TAG_BIGINT64,
  TAG_STRING,
  TAG_BYTES,
  TAG_V8,
  TAG_STRING16,
  TAG_TREE,
} from './tags.js';
export { decode, encodedKind, lastDecodeMayRevive } from './decode.js';
export { STRICT_MAX_VALUES } from './tree-encode.js';

export {
  TYPE_ARRAY_BUFFER,
  TYPE_INT8,
  TYPE_UINT8,
  TYPE_UINT8_CLAMPED,
  TYPE_INT16,
  TYPE_UINT16,
  TYPE_INT32,
  TYPE_UINT32,
  TYPE_FLOAT32,
  TYPE_FLOAT64,
  TYPE_BIGINT64,
  TYPE_BIGUINT64,
  TYPE_DATA_VIEW,
} from './formats.js';

// The memo of encode(): the last value whose tree or v8 encoding (tag included) did not fit.
let memoValue: unknown;
let memoBytes: Uint8Array | undefined;

function encodeString(s: string, dst: Uint8Array, offset: number, room: number): number {
  const len = s.length;
  if (len <= SHORT_STRING && 1 + 3 * len <= room) {
    const n = writeUtf8Short(s, dst, offset + 1);
    if (n >= 0) {
      dst[offset] = TAG_STRING;
      return n + 1;
    }
  } else if (isWellFormed(s)) {
    // Longer strings: TextEncoder into a private scratch, then copied (TextEncoder refuses
    // views of shared memory in browsers).
    const n = 1 + (len <= SHORT_STRING ? utf8Length(s) : 0);
    if (n > room) return -n;
    const b = utf8Scratch(s);
    if (1 + b.byteLength > room) return -(1 + b.byteLength);
    dst[offset] = TAG_STRING;
    dst.set(b, offset + 1);
    return 1 + b.byteLength;
  }
  const n = 1 + 2 * len;
  if (n > room) return -n;
  dst[offset] = TAG_STRING16;
  writeUtf16(s, dst, offset + 1);
  return n;
}

const objectProto = Object.prototype;

let scratch = new Uint8Array(1024);
/** Encodings past this size are left to node:v8 rather than grown further. */
const SCRATCH_MAX = 1 << 28;

/** The tree encoding of `v` (tag first) in a fresh, non-shared Uint8Array, or undefined (bail). */
function treeEncodeFresh(v: unknown, tag: number, strict: boolean): Uint8Array | undefined {
  for (;;) {
    const n = treeEncodeInto(v, tag, scratch, 0, scratch.byteLength, strict);
    if (n > 0) {
      const copy = scratch.slice(0, n);
      if (scratch.byteLength > 1 << 20) scratch = new Uint8Array(1024); // do not keep a big one
      return copy;
    }
    if (n === TREE_BAIL || scratch.byteLength >= SCRATCH_MAX) return undefined;
    scratch = new Uint8Array(scratch.byteLength * 4);
  }
}

/**
 * Encodes an object (or a bigint past int64) with the tree encoder, or node:v8 when it must.
 * `strict` (tryEncodeInto): 0 where node:v8 would be needed.
 */
function encodeOther(
  value: unknown,
  dst: Uint8Array,
  offset: number,
  room: number,
  strict: boolean,
  plainTop = false,
): number {
  const n = treeEncodeInto(value, TAG_TREE, dst, offset, room, strict, plainTop);
  if (n > 0) return n;
  let bytes: Uint8Array | undefined;
  if (n === TREE_OVERFLOW) bytes = treeEncodeFresh(value, TAG_TREE, strict);
  if (bytes === undefined) {
    if (strict) return 0;
    const body = v8Serialize(value);
    bytes = new Uint8Array(body.byteLength + 1);
    bytes[0] = TAG_V8;
    bytes.set(body, 1);
  }
  if (bytes.byteLength > room) {
    memoValue = value;
    memoBytes = bytes;
    return -bytes.byteLength;
  }
  dst.set(bytes, offset);
  return bytes.byteLength;
}

/**
 * Encodes `value` into dst[offset, offset + room). Returns the bytes written (> 0), or -needed
 * when the encoding needs more than `room` bytes. Throws InvalidArgumentError for values that
 * cannot be encoded (functions, symbols, SharedArrayBuffers...).
 */
export function encodeInto(value: unknown, dst: Uint8Array, offset: number, room: number): number {
  return encodeValue(value, dst, offset, room, false);
}

/**
 * As encodeInto, but returns 0 instead of copying shared memory, instead of using node:v8, and for
 * a value of more than STRICT_MAX_VALUES values (the caller sends those by structured clone). A
 * -needed result is always followed by encode(value) giving the same strict encoding.
 */
export function tryEncodeInto(value: unknown, dst: Uint8Array, offset: number, room: number): number {
  return encodeValue(value, dst, offset, room, true);
}

function encodeValue(value: unknown, dst: Uint8Array, offset: number, room: number, strict: boolean): number {
  switch (typeof value) {
    case 'number': {
      if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
        if (room < 5) return -5;
        // Byte stores, not viewOf(dst): the pool's main thread encodes into each worker's ring in
        // turn, and the one-entry DataView cache then made a new DataView per number.
        dst[offset] = TAG_INT32;
        dst[offset + 1] = value;
        dst[offset + 2] = value >> 8;
        dst[offset + 3] = value >> 16;
        dst[offset + 4] = value >> 24;
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
      return encodeOther(value, dst, offset, room, strict);
    case 'object': {
      if (value === null) {
        if (room < 1) return -1;
        dst[offset] = TAG_NULL;
        return 1;
      }
      // The usual object argument first: the checks below cost more than its encoding's start.
      if (Object.getPrototypeOf(value) === objectProto) return encodeOther(value, dst, offset, room, strict, true);
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
        if (strict && !(src.buffer instanceof ArrayBuffer)) return 0;
        const n = BYTES_HEADER + src.byteLength;
        if (room < n) return -n;
        dst[offset] = TAG_BYTES;
        dst[offset + 1] = code;
        for (let i = 2; i < BYTES_HEADER; i++) dst[offset + i] = 0;
        dst.set(src, offset + BYTES_HEADER);
        return n;
      }
      if (strict && value instanceof SharedArrayBuffer) return 0;
      return encodeOther(value, dst, offset, room, strict);
    }
  }
  return encodeOther(value, dst, offset, room, strict); // functions, symbols: node:v8 raises the error
}

/**
 * The encoding of `value` in a fresh, non-shared Uint8Array. Called right after an encodeInto of
 * the same value that reported it did not fit, it reuses that serialisation (the caller must not
 * have changed the value in between; queues and pipes call it synchronously).
 */
export function encode(value: unknown): Uint8Array {
  if (memoBytes !== undefined && memoValue === value) {
    const out = memoBytes;
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
