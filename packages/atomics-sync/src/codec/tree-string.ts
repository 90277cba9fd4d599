/**
 * The tree format's variable-length pieces (formats.ts) that the tree encoder writes outside its
 * hot path: varints past 2^32, bigint magnitudes, and strings of over 42 units or with lone
 * surrogates (shorter ones it writes itself, the same way). V_STRING, a varint UTF-8 byte length,
 * the UTF-8 bytes (well-formed strings); V_STRING16, a varint unit count, the UTF-16 units (strings
 * with lone surrogates, which UTF-8 cannot carry). The tree decoder reads them back (tree-decode.ts string / key).
 *
 * A string of up to 42 units has at most 126 UTF-8 bytes: its length fits a 1-byte varint, written
 * before the bytes are known. Up to SHORT_STRING units the length takes 2 bytes (a varint that is
 * non-minimal below 128, which decoders accept), so the bytes are still written in one pass.
 */
import * as F from './formats.js';

// Copied into this module's own bindings once: across the CommonJS build's file boundaries an
// imported binding is read through a getter on every use.
const { SHORT_STRING, V_STRING, V_STRING16, isWellFormed, utf8Scratch, writeUtf16, writeUtf8Short } = F;

/** Writes `x` as an unsigned LEB128 varint at dst[at...]; returns the position after it. */
export function writeVarint(x: number, dst: Uint8Array, at: number): number {
  while (x >= 0x80) {
    dst[at++] = (x % 0x80) | 0x80;
    x = Math.floor(x / 0x80);
  }
  dst[at++] = x;
  return at;
}

/**
 * Writes string `s` at dst[at, end): returns the position after it, or -1 if it does not fit (the
 * bytes written are then garbage).
 */
export function writeTreeString(s: string, dst: Uint8Array, at: number, end: number): number {
  const len = s.length;
  if (len <= SHORT_STRING) {
    const h = len <= 42 ? 1 : 2;
    if (at + 1 + h + 3 * len > end) return -1;
    const n = writeUtf8Short(s, dst, at + 1 + h);
    if (n >= 0) {
      dst[at] = V_STRING;
      if (h === 1) dst[at + 1] = n;
      else {
        dst[at + 1] = (n & 0x7f) | 0x80;
        dst[at + 2] = n >> 7;
      }
      return at + 1 + h + n;
    }
  } else if (isWellFormed(s)) {
    const b = utf8Scratch(s);
    if (at + 6 + b.byteLength > end) return -1;
    dst[at] = V_STRING;
    const p = writeVarint(b.byteLength, dst, at + 1);
    dst.set(b, p);
    return p + b.byteLength;
  }
  if (at + 6 + 2 * len > end) return -1;
  dst[at] = V_STRING16;
  const p = writeVarint(len, dst, at + 1);
  writeUtf16(s, dst, p);
  return p + 2 * len;
}

/** The magnitude of a non-negative bigint as little-endian bytes (V_BIGINT, formats.ts). */
export function magnitudeBytes(m: bigint): number[] {
  const bytes: number[] = [];
  while (m > 0n) {
    bytes.push(Number(m & 0xffn));
    m >>= 8n;
  }
  return bytes;
}
