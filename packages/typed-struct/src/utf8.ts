/**
 * UTF-8 in fixed-capacity byte fields (C's `char name[N]`), without TextEncoder/TextDecoder: those
 * refuse SharedArrayBuffer-backed views in browsers, and short field strings are faster by hand.
 *
 * Storage: the string's UTF-8 bytes, then zeros to the end of the field (a NUL terminator whenever
 * the string is shorter than the capacity; a string of exactly `capacity` bytes has none, as
 * strncpy leaves it). Reading stops at the first NUL or at the capacity.
 *
 * Never half a character: a string is only ever cut between characters, and on reading bytes that
 * foreign code wrote, an incomplete sequence at the very end (cut by the capacity or a NUL) is
 * dropped. Other malformed bytes read as U+FFFD, and lone surrogates are written as U+FFFD, as the
 * WHATWG encoder and decoder do. U+0000 cannot be stored (it would end the string).
 */

/** What `fitUtf8` found; module scratch, so measuring allocates nothing. */
export const fit = { units: 0, bytes: 0, complete: true, nul: false };

/**
 * Measures the longest prefix of `s` whose UTF-8 encoding fits in `capacity` bytes and ends on a
 * character boundary: sets `fit.units` (UTF-16 code units), `fit.bytes`, `fit.complete` (the whole
 * string fits) and `fit.nul` (the prefix contains U+0000).
 */
export function fitUtf8(s: string, capacity: number): void {
  let bytes = 0;
  let i = 0;
  let nul = false;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    let len: number;
    let units = 1;
    if (c < 0x80) {
      len = 1;
      if (c === 0) nul = true;
    } else if (c < 0x800) len = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        len = 4;
        units = 2;
      } else len = 3;
    } else len = 3;
    if (bytes + len > capacity) break;
    bytes += len;
    i += units;
  }
  fit.units = i;
  fit.bytes = bytes;
  fit.complete = i === n;
  fit.nul = nul;
}

/** Writes the first `units` code units of `s` (a prefix measured by fitUtf8) at `at`; returns the byte count. */
export function writeUtf8(u8: Uint8Array, at: number, s: string, units: number): number {
  let p = at;
  for (let i = 0; i < units; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      u8[p++] = c;
    } else if (c < 0x800) {
      u8[p++] = 0xc0 | (c >> 6);
      u8[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < units ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          u8[p++] = 0xf0 | (cp >> 18);
          u8[p++] = 0x80 | ((cp >> 12) & 0x3f);
          u8[p++] = 0x80 | ((cp >> 6) & 0x3f);
          u8[p++] = 0x80 | (cp & 0x3f);
          i++;
          continue;
        }
        c = 0xfffd; // lone surrogate
      }
      u8[p++] = 0xe0 | (c >> 12);
      u8[p++] = 0x80 | ((c >> 6) & 0x3f);
      u8[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - at;
}

// Code units are collected here and turned into a string in chunks (fromCharCode's argument count is bounded).
const units: number[] = [];
const CHUNK = 4096;

function flush(out: string): string {
  for (let i = 0; i < units.length; i += CHUNK) out += String.fromCharCode.apply(null, units.slice(i, i + CHUNK));
  units.length = 0;
  return out;
}

/** Reads the string stored in `capacity` bytes at `at`. */
export function readUtf8(u8: Uint8Array, at: number, capacity: number): string {
  let end = at;
  const limit = at + capacity;
  while (end < limit && u8[end] !== 0) end++;
  // ASCII fast path: most field strings are short identifiers.
  let p = at;
  let out = '';
  while (p < end && u8[p] < 0x80) p++;
  if (p === end) {
    for (let i = at; i < end; i++) units.push(u8[i]);
    return flush(out);
  }
  for (let i = at; i < p; i++) units.push(u8[i]);
  while (p < end) {
    const b = u8[p];
    if (b < 0x80) {
      units.push(b);
      p++;
      continue;
    }
    let need: number;
    let cp: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      cp = b & 0x0f;
      if (b === 0xe0) lo = 0xa0; // no overlong forms
      if (b === 0xed) hi = 0x9f; // no surrogates
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      cp = b & 0x07;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f; // nothing above U+10FFFF
    } else {
      units.push(0xfffd);
      p++;
      continue;
    }
    let q = p + 1;
    let ok = true;
    for (let k = 0; k < need; k++, q++) {
      if (q >= end) {
        // Cut off by the end of the string: never half a character.
        return flush(out);
      }
      const c = u8[q];
      if (c < lo || c > hi) {
        ok = false;
        break;
      }
      lo = 0x80;
      hi = 0xbf;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (!ok) {
      // Maximal subpart replaced by one U+FFFD, decoding resumes at the offending byte.
      units.push(0xfffd);
      p = q;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else units.push(cp);
    p = q;
    if (units.length >= CHUNK) out = flush(out);
  }
  return flush(out);
}
