/**
 * The tree decoder (format: formats.ts): rebuilds what tree-encode.ts wrote, as structured clone
 * would: plain objects with Object.prototype (a key "__proto__" becomes an own property, never the
 * prototype), arrays with their holes, fresh buffers (never views of the region, which the next
 * message overwrites). Bytes that are not such an encoding raise InvalidArgumentError.
 */
import { InvalidArgumentError } from '../errors.js';
import { ALIASED_KIND_PROPERTY, KIND_PROPERTY } from '../runtime/shared.js';
import * as F from './formats.js';

// Copied into this module's own bindings once: across the CommonJS build's file boundaries an
// imported binding is read through a getter on every use.
const { TYPE_DATA_VIEW, VIEW_CTORS } = F;

// Copied into this module's own bindings once: across the CommonJS build's file boundaries an
// imported binding is read through a getter on every use.
const { readUtf16, readUtf8 } = F;

// Copied into this module's own constants once: across the CommonJS build's file boundaries an
// imported binding is read through a getter on every use (measured ~6% of an object encode).
const {
  ERROR_CAUSE,
  ERROR_MESSAGE,
  ERROR_STACK,
  V_ARRAY,
  V_ARRAY_BUFFER,
  V_BIGINT,
  V_BOXED_BIGINT,
  V_BOXED_FALSE,
  V_BOXED_NUMBER,
  V_BOXED_STRING,
  V_BOXED_TRUE,
  V_DATE,
  V_ERROR,
  V_FALSE,
  V_FLOAT64,
  V_HOLE,
  V_INT,
  V_MAP,
  V_NULL,
  V_OBJECT,
  V_REF,
  V_REGEXP,
  V_SET,
  V_STRING,
  V_STRING16,
  V_TRUE,
  V_UNDEFINED,
  V_VIEW,
} = F;

const BAD = { bad: true };

let src: Uint8Array = new Uint8Array(0);
let p = 0;
let e = 0;
let dvFor: Uint8Array | undefined;
let dv: DataView = new DataView(new ArrayBuffer(8));
// Objects in the order they began, for V_REF (reused: decoding runs no user code, so never nests).
const ids: unknown[] = [];
let nids = 0;

function rd(): number {
  if (p >= e) throw BAD;
  return src[p++];
}

function vu(): number {
  let b = rd();
  if (b < 0x80) return b;
  let x = b & 0x7f;
  let mul = 0x80;
  for (;;) {
    b = rd();
    x += (b & 0x7f) * mul;
    if (b < 0x80) return x;
    mul *= 0x80;
    if (mul > 2 ** 49) throw BAD;
  }
}

function f64(): number {
  if (p + 8 > e) throw BAD;
  if (dvFor !== src) {
    dvFor = src;
    dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  }
  const x = dv.getFloat64(p, true);
  p += 8;
  return x;
}

function string(tag: number): string {
  const n = vu();
  if (tag === V_STRING) {
    if (p + n > e) throw BAD;
    const s = readUtf8(src, p, n);
    p += n;
    return s;
  }
  if (tag !== V_STRING16 || p + 2 * n > e) throw BAD;
  const s = readUtf16(src, p, n);
  p += 2 * n;
  return s;
}

// Object keys seen lately, by a hash of their bytes: a hit returns the same (internalised) string
// instead of building one and having V8 look it up again, ~a third of decoding `{ a, b }`-like
// records. ASCII keys up to KEY_CACHE_MAX bytes only; a miss costs one comparison.
const KEY_CACHE_MAX = 24;
const keyCache: (string | undefined)[] = new Array(256).fill(undefined);
/** keyCache[i] is a sabkit descriptor's kind key (see sawKindKey). */
const keyIsKind: boolean[] = new Array(256).fill(false);
/** The value being decoded has a key `__sabkit` or `@sabkit` (codec.ts lastDecodeMayRevive). */
let sawKindKey = false;

const isKindKey = (k: string): boolean => k === KIND_PROPERTY || k === ALIASED_KIND_PROPERTY;

function key(): string {
  const tag = rd();
  if (tag !== V_STRING) return string(tag); // UTF-16: a lone surrogate, never a kind key
  const n = vu();
  if (n > KEY_CACHE_MAX || p + n > e) {
    return readKeyTail(n); // longer than any kind key
  }
  let h = n;
  for (let i = 0; i < n; i++) {
    const b = src[p + i];
    if (b >= 0x80) return readKeyTail(n); // not ASCII: not a kind key either
    h = (Math.imul(h, 31) + b) | 0;
  }
  const slot = h & 255;
  const c = keyCache[slot];
  if (c !== undefined && c.length === n) {
    let i = 0;
    while (i < n && c.charCodeAt(i) === src[p + i]) i++;
    if (i === n) {
      p += n;
      if (keyIsKind[slot]) sawKindKey = true;
      return c;
    }
  }
  const s = readKeyTail(n);
  keyCache[slot] = s;
  const kind = isKindKey(s);
  keyIsKind[slot] = kind;
  if (kind) sawKindKey = true;
  return s;
}

/** Whether the last treeDecode met a key `__sabkit` or `@sabkit` (at any depth). */
export function treeDecodeSawKindKey(): boolean {
  return sawKindKey;
}

/** The rest of a V_STRING whose length `n` was read. */
function readKeyTail(n: number): string {
  if (p + n > e) throw BAD;
  const s = readUtf8(src, p, n);
  p += n;
  return s;
}

function bigint(): bigint {
  const neg = rd();
  const n = vu();
  if (p + n > e || neg > 1) throw BAD;
  let m = 0n;
  for (let i = n - 1; i >= 0; i--) m = (m << 8n) | BigInt(src[p + i]);
  p += n;
  return neg ? -m : m;
}

function arrayBuffer(): ArrayBuffer {
  const n = vu();
  if (p + n > e) throw BAD;
  const b = new ArrayBuffer(n);
  new Uint8Array(b).set(src.subarray(p, p + n));
  p += n;
  ids[nids++] = b;
  return b;
}

function value(): unknown {
  const tag = rd();
  switch (tag) {
    case V_INT: {
      const z = vu();
      return (z >>> 1) ^ -(z & 1);
    }
    case V_STRING:
    case V_STRING16:
      return string(tag);
    case V_OBJECT: {
      const o: Record<string, unknown> = {};
      ids[nids++] = o;
      const n = vu();
      for (let i = 0; i < n; i++) {
        const k = key();
        const x = value();
        // One store site per position for the first keys: a site that sees every key of every
        // shape goes megamorphic (a stub-cache lookup per store, ~35% of decoding { a, b }); a
        // site per position sees one key per shape and stays polymorphic.
        if (k === '__proto__')
          Object.defineProperty(o, k, { value: x, writable: true, enumerable: true, configurable: true });
        else if (i === 0) o[k] = x;
        else if (i === 1) o[k] = x;
        else if (i === 2) o[k] = x;
        else if (i === 3) o[k] = x;
        else o[k] = x;
      }
      return o;
    }
    case V_FLOAT64:
      return f64();
    case V_UNDEFINED:
      return undefined;
    case V_NULL:
      return null;
    case V_TRUE:
      return true;
    case V_FALSE:
      return false;
    case V_ARRAY: {
      const n = vu();
      if (n > e - p) throw BAD; // every element takes at least one byte
      const a: unknown[] = [];
      ids[nids++] = a;
      for (let i = 0; i < n; i++) {
        if (src[p] === V_HOLE && p < e) {
          p++;
          a.length = i + 1;
        } else a.push(value());
      }
      return a;
    }
    case V_REF: {
      const id = vu();
      if (id >= nids || ids[id] === undefined) throw BAD;
      return ids[id];
    }
    case V_BIGINT:
      return bigint();
    case V_DATE: {
      const d = new Date(f64());
      ids[nids++] = d;
      return d;
    }
    case V_REGEXP: {
      const slot = nids;
      ids[nids++] = undefined;
      const source = string(rd());
      const flags = string(rd());
      let r: RegExp;
      try {
        r = new RegExp(source, flags);
      } catch {
        throw BAD;
      }
      ids[slot] = r;
      return r;
    }
    case V_MAP: {
      const m = new Map();
      ids[nids++] = m;
      const n = vu();
      for (let i = 0; i < n; i++) {
        const k = value();
        m.set(k, value());
      }
      return m;
    }
    case V_SET: {
      const s = new Set();
      ids[nids++] = s;
      const n = vu();
      for (let i = 0; i < n; i++) s.add(value());
      return s;
    }
    case V_ARRAY_BUFFER:
      return arrayBuffer();
    case V_VIEW:
      return view();
    case V_BOXED_NUMBER:
      return boxed(f64());
    case V_BOXED_STRING:
      return boxed(string(rd()));
    case V_BOXED_TRUE:
      return boxed(true);
    case V_BOXED_FALSE:
      return boxed(false);
    case V_BOXED_BIGINT:
      return boxed(bigint());
    case V_ERROR:
      return error();
  }
  throw BAD;
}

const ERROR_CTORS = [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError];
const hidden = (value: unknown) => ({ value, writable: true, enumerable: false, configurable: true });

function error(): Error {
  const Ctor = ERROR_CTORS[rd()];
  const flags = rd();
  if (Ctor === undefined || flags > 7) throw BAD;
  const err = new Ctor();
  ids[nids++] = err;
  if (flags & ERROR_MESSAGE) Object.defineProperty(err, 'message', hidden(string(rd())));
  Object.defineProperty(err, 'stack', hidden(flags & ERROR_STACK ? string(rd()) : undefined));
  if (flags & ERROR_CAUSE) Object.defineProperty(err, 'cause', hidden(value()));
  return err;
}

function boxed(x: unknown): object {
  const o = Object(x) as object;
  ids[nids++] = o;
  return o;
}

function view(): ArrayBufferView {
  const code = rd();
  const Ctor = VIEW_CTORS[code];
  if (Ctor === undefined) throw BAD;
  const slot = nids;
  ids[nids++] = undefined;
  const b = value();
  const off = vu();
  const count = vu();
  if (!(b instanceof ArrayBuffer)) throw BAD;
  const per = code === TYPE_DATA_VIEW ? 1 : (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (off % per !== 0 || off + count * per > b.byteLength) throw BAD;
  const v = new Ctor(b, off, count);
  ids[slot] = v;
  return v;
}

/** Decodes the tree encoding in src[offset, offset + length) (byte `offset` is its codec tag). */
export function treeDecode(bytes: Uint8Array, offset: number, length: number): unknown {
  src = bytes;
  p = offset + 1;
  e = offset + length;
  sawKindKey = false;
  try {
    const v = value();
    if (p !== e) throw BAD;
    return v;
  } catch (err) {
    if (err === BAD) {
      throw new InvalidArgumentError(
        `bytes at offset ${offset} (length ${length}) are not a sabkit encoding: ` +
          `a malformed tree at byte ${p - offset}`,
      );
    }
    throw err;
  } finally {
    for (let i = 0; i < nids; i++) ids[i] = undefined; // keep the array's room, drop the objects
    nids = 0;
  }
}
