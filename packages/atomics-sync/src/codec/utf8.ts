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
