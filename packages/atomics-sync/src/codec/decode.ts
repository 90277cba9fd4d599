/**
 * The codec's decoder (format: codec.ts): `decode`, `lastDecodeMayRevive` and `encodedKind`, re-exported
 * by codec.ts. Flat tags are read here; TAG_TREE goes to tree-decode.ts, TAG_V8 to node:v8 (codec-v8.ts).
 */
import { InvalidArgumentError } from '../errors.js';
import { v8Deserialize } from './codec-v8.js';
import * as F from './formats.js';
import * as T from './tags.js';
import * as TreeDecode from './tree-decode.js';

// Copied into this module's own bindings once: across the CommonJS build's file boundaries an
// imported binding is read through a getter on every use.
const { TYPE_ARRAY_BUFFER, TYPE_DATA_VIEW, TYPE_UINT8, VIEW_CTORS, readUtf16, readUtf8, viewOf } = F;
const { BYTES_HEADER, TAG_BIGINT64, TAG_BYTES, TAG_FALSE, TAG_FLOAT64, TAG_INT32, TAG_NULL } = T;
const { TAG_STRING, TAG_STRING16, TAG_TREE, TAG_TRUE, TAG_UNDEFINED, TAG_V8 } = T;
const { treeDecode, treeDecodeSawKindKey } = TreeDecode;

/** Byte payloads up to this size are copied by a JS loop (V8 keeps typed arrays this small on-heap). */
const SMALL_COPY = 64;

/** The values of the 1-byte tags, by tag. */
const ONE_BYTE = [undefined, undefined, null, false, true];

/** See decode: the last decode's value may hold a sabkit descriptor. */
let mayRevive = false;

/**
 * Whether the value the last decode() returned may hold a sabkit object's descriptor (a key
 * `__sabkit` or `@sabkit` somewhere in it, or a node:v8 payload). False: revive() would return it
 * unchanged (a descriptor needs one of those keys), so the caller may skip that walk.
 */
export function lastDecodeMayRevive(): boolean {
  return mayRevive;
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
  mayRevive = tag === TAG_V8;
  switch (tag) {
    case TAG_INT32:
      if (length === 5)
        return src[offset + 1] | (src[offset + 2] << 8) | (src[offset + 3] << 16) | (src[offset + 4] << 24);
      break;
    case TAG_FLOAT64:
      if (length === 9) return viewOf(src).getFloat64(offset + 1, true);
      break;
    case TAG_STRING:
      if (length >= 1) return readUtf8(src, offset + 1, length - 1);
      break;
    case TAG_STRING16:
      if (length % 2 === 1) return readUtf16(src, offset + 1, (length - 1) / 2);
      break;
    case TAG_TREE:
      if (length > 1) {
        const v = treeDecode(src, offset, length);
        mayRevive = treeDecodeSawKindKey();
        return v;
      }
      break;
    case TAG_UNDEFINED:
    case TAG_NULL:
    case TAG_TRUE:
    case TAG_FALSE:
      if (length === 1) return ONE_BYTE[tag];
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
