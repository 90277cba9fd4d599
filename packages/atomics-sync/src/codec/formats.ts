/**
 * The codec's formats, in one module (each module costs a file read and a compile in a fresh
 * process, and the pool's main thread and workers load the codec at start): the tree format's tags
 * (tree-encode.ts / tree-decode.ts), the typed-array type codes, and the UTF-8 helpers.
 */

// ---- the tree format ----
/**
 * The codec's tree format (TAG_TREE): a structured-clone value graph written straight into the
 * region by tree-encode.ts and read back by tree-decode.ts, without node:v8.
 *
 * After the TAG_TREE byte comes one value. Every value starts with one of the V_ bytes below.
 * Counts, lengths and ids are unsigned LEB128 varints ("vu"); integers are zigzag varints ("vz").
 *
 *   V_UNDEFINED / V_NULL / V_FALSE / V_TRUE / V_HOLE    1 byte (V_HOLE: a missing array element)
 *   V_INT      vz int32
 *   V_FLOAT64  8 bytes little-endian (every number that is not an int32, -0 included)
 *   V_BIGINT   sign byte (0 / 1 = negative), vu byte count, magnitude little-endian
 *   V_STRING   vu UTF-8 byte length, UTF-8 bytes (well-formed strings)
 *   V_STRING16 vu UTF-16 unit count, units little-endian (strings with lone surrogates)
 *   V_OBJECT   vu key count, then per key: a V_STRING / V_STRING16 key, a value
 *   V_ARRAY    vu length, that many values (V_HOLE for missing elements)
 *   V_REF      vu id: the id-th object of this encoding, in the order they began (cycles, sharing)
 *   V_DATE     float64 time value
 *   V_REGEXP   source (V_STRING / V_STRING16), flags (V_STRING)
 *   V_MAP      vu entry count, key value ...           V_SET  vu count, values ...
 *   V_ARRAY_BUFFER  vu byte length, bytes
 *   V_VIEW     type code (codec.ts TYPE_*), then its buffer as a value (V_ARRAY_BUFFER or V_REF),
 *              vu byteOffset, vu length (elements; bytes for a DataView)
 *   V_BOXED_NUMBER float64 | V_BOXED_STRING string value | V_BOXED_TRUE | V_BOXED_FALSE |
 *   V_BOXED_BIGINT bigint value
 *   V_ERROR    prototype index (ERROR_NAMES), flags (1 message, 2 stack, 4 cause), then those present:
 *              message string, stack string, cause value (structured clone's rules for errors)
 *
 * Objects get ids in the order they begin (objects, arrays, dates, regexps, maps, sets, buffers,
 * views, boxed primitives), as V8's serializer numbers them, so a V_REF reproduces shared and
 * cyclic references exactly.
 */
export const V_UNDEFINED = 1;
export const V_NULL = 2;
export const V_FALSE = 3;
export const V_TRUE = 4;
export const V_INT = 5;
export const V_FLOAT64 = 6;
export const V_BIGINT = 7;
export const V_STRING = 8;
export const V_STRING16 = 9;
export const V_OBJECT = 10;
export const V_ARRAY = 11;
export const V_HOLE = 12;
export const V_REF = 13;
export const V_DATE = 14;
export const V_REGEXP = 15;
export const V_MAP = 16;
export const V_SET = 17;
export const V_ARRAY_BUFFER = 18;
export const V_VIEW = 19;
export const V_BOXED_NUMBER = 20;
export const V_BOXED_STRING = 21;
export const V_BOXED_TRUE = 22;
export const V_BOXED_FALSE = 23;
export const V_BOXED_BIGINT = 24;
export const V_ERROR = 25;

/** The error prototypes structured clone keeps (by the error's `name`); any other name gives Error. */
export const ERROR_NAMES = [
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
];
export const ERROR_MESSAGE = 1;
export const ERROR_STACK = 2;
export const ERROR_CAUSE = 4;

/** Deepest nesting the tree encoder follows before leaving the value to node:v8. */
export const MAX_DEPTH = 64;
/** Longest array the tree encoder carries (holes cost a byte each; V8 writes long sparse arrays sparsely). */
export const MAX_ARRAY = 1 << 16;

// ---- typed-array type codes ----
/*
 * The typed-array kinds the codec carries by type code (TAG_BYTES byte 1, and V_VIEW of the tree
 * format): the code of a view, and the constructor of a code.
 */
/** Type code: ArrayBuffer. */
export const TYPE_ARRAY_BUFFER = 0;
/** Type code: Int8Array. */
export const TYPE_INT8 = 1;
/** Type code: Uint8Array. */
export const TYPE_UINT8 = 2;
/** Type code: Uint8ClampedArray. */
export const TYPE_UINT8_CLAMPED = 3;
/** Type code: Int16Array. */
export const TYPE_INT16 = 4;
/** Type code: Uint16Array. */
export const TYPE_UINT16 = 5;
/** Type code: Int32Array. */
export const TYPE_INT32 = 6;
/** Type code: Uint32Array. */
export const TYPE_UINT32 = 7;
/** Type code: Float32Array. */
export const TYPE_FLOAT32 = 8;
/** Type code: Float64Array. */
export const TYPE_FLOAT64 = 9;
/** Type code: BigInt64Array. */
export const TYPE_BIGINT64 = 10;
/** Type code: BigUint64Array. */
export const TYPE_BIGUINT64 = 11;
/** Type code: DataView. */
export const TYPE_DATA_VIEW = 12;

export type ViewCtor = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => ArrayBufferView;
export const VIEW_CTORS: (ViewCtor | undefined)[] = [
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

/** The type code of a view, or -1 for a view type the codec does not know (e.g. Float16Array). */
export function typeCodeOf(view: ArrayBufferView): number {
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
  return -1;
}

// ---- UTF-8 ----
/**
 * UTF-8 for the codec, written so that it never hands a view of shared memory to TextEncoder or
 * TextDecoder: browsers refuse both on SharedArrayBuffer views (TypeError), and the codec's
 * destination is usually a ring in shared memory.
 *
 * - Short strings (up to SHORT_STRING units) are encoded and decoded by a JS loop straight into /
 *   out of the region: below ~64 units the loop also beats the native call (its fixed cost is
 *   ~50-100 ns here, the loop ~1 ns per ASCII unit).
 * - Longer strings go through TextEncoder.encodeInto into a private (non-shared) scratch buffer
 *   that is then copied into the region, and are decoded by TextDecoder from a private copy.
 *
 * Lone surrogates: UTF-8 cannot carry them (TextEncoder would write U+FFFD), so callers check
 * `isWellFormed` first and carry ill-formed strings as UTF-16 code units (writeUtf16/readUtf16).
 */
/** Strings up to this many UTF-16 units take the JS loops. */
export const SHORT_STRING = 64;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

let scratch = new Uint8Array(256);

const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/** Whether `s` has no lone surrogate (String.prototype.isWellFormed where the runtime has it). */
export function isWellFormed(s: string): boolean {
  if (nativeWellFormed !== undefined) return nativeWellFormed.call(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c & 0xf800) !== 0xd800) continue;
    if (c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    else return false;
  }
  return true;
}

/** UTF-8 length of a well-formed string. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if ((c & 0xfc00) === 0xd800 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Writes the UTF-8 of a short string (≤ SHORT_STRING units) at dst[pos...], which must have room
 * for 3 bytes per unit. Returns the bytes written, or -1 at a lone surrogate (bytes written so far
 * are garbage then; the caller rewinds).
 */
export function writeUtf8Short(s: string, dst: Uint8Array, pos: number): number {
  const start = pos;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      dst[pos++] = c;
    } else if (c < 0x800) {
      dst[pos++] = 0xc0 | (c >> 6);
      dst[pos++] = 0x80 | (c & 0x3f);
    } else if ((c & 0xf800) !== 0xd800) {
      dst[pos++] = 0xe0 | (c >> 12);
      dst[pos++] = 0x80 | ((c >> 6) & 0x3f);
      dst[pos++] = 0x80 | (c & 0x3f);
    } else {
      const d = i + 1 < len ? s.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || (d & 0xfc00) !== 0xdc00) return -1;
      i++;
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      dst[pos++] = 0xf0 | (c >> 18);
      dst[pos++] = 0x80 | ((c >> 12) & 0x3f);
      dst[pos++] = 0x80 | ((c >> 6) & 0x3f);
      dst[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos - start;
}

/**
 * The UTF-8 of a well-formed string of any length, in a private scratch buffer (valid until the
 * next call): scratch.subarray(0, n) with n returned. Never touches shared memory.
 */
export function utf8Scratch(s: string): Uint8Array {
  const max = s.length * 3;
  if (scratch.byteLength < max) scratch = new Uint8Array(Math.max(max, scratch.byteLength * 2));
  const r = textEncoder.encodeInto(s, scratch);
  return scratch.subarray(0, r.written);
}

/** Decodes `len` bytes of UTF-8 at src[start...] (shared or not). */
export function readUtf8(src: Uint8Array, start: number, len: number): string {
  if (len > SHORT_STRING * 3) {
    // slice() copies into a fresh, non-shared ArrayBuffer, which every TextDecoder accepts.
    return textDecoder.decode(src.slice(start, start + len));
  }
  let s = '';
  const end = start + len;
  let i = start;
  while (i < end) {
    const b = src[i++];
    if (b < 0x80) {
      s += String.fromCharCode(b);
      continue;
    }
    if (b >= 0xc0 && b < 0xe0 && i < end) {
      s += String.fromCharCode(((b & 0x1f) << 6) | (src[i++] & 0x3f));
    } else if (b >= 0xe0 && b < 0xf0 && i + 1 < end) {
      s += String.fromCharCode(((b & 0x0f) << 12) | ((src[i] & 0x3f) << 6) | (src[i + 1] & 0x3f));
      i += 2;
    } else if (b >= 0xf0 && i + 2 < end) {
      const cp = ((b & 0x07) << 18) | ((src[i] & 0x3f) << 12) | ((src[i + 1] & 0x3f) << 6) | (src[i + 2] & 0x3f);
      i += 3;
      const v = cp - 0x10000;
      s += String.fromCharCode(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
    } else {
      // Not UTF-8 this codec wrote: let the standard decoder apply its replacement rules.
      return textDecoder.decode(src.slice(start, end));
    }
  }
  return s;
}

/** Writes the UTF-16 code units of `s` (2 bytes each, little-endian) at dst[pos...]. */
export function writeUtf16(s: string, dst: Uint8Array, pos: number): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    dst[pos++] = c & 0xff;
    dst[pos++] = c >> 8;
  }
}

/** Reads `units` UTF-16 code units at src[start...]. Lone surrogates come back as they were. */
export function readUtf16(src: Uint8Array, start: number, units: number): string {
  let s = '';
  for (let i = 0; i < units; i++) {
    const p = start + 2 * i;
    s += String.fromCharCode(src[p] | (src[p + 1] << 8));
  }
  return s;
}

// ---- DataView ----
// One DataView for the last Uint8Array seen, over exactly its bytes: queues and pipes encode into
// the same ring view again and again, so this is almost always a hit and never allocates. Keyed
// by the view itself (not its .buffer: reading that getter was 9% of a put+get in a profile).
let dvFor: Uint8Array | undefined;
let dv: DataView = new DataView(new ArrayBuffer(8));
export function viewOf(u8: Uint8Array): DataView {
  if (u8 !== dvFor) {
    dvFor = u8;
    dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  return dv;
}
