/**
 * The tree encoder (format: formats.ts): plain objects, arrays, strings, numbers, dates, maps,
 * sets, regexps, typed arrays and the rest of structured clone's everyday values, written straight
 * into the destination region (usually a ring in shared memory), with structured clone's rules:
 * own enumerable string keys in Object.keys order, getters read once each, class instances become
 * plain objects, holes stay holes, -0 / NaN / undefined values kept, shared and cyclic references
 * kept (V_REF).
 *
 * It leaves a value to node:v8 (returns TREE_BAIL) when it meets what it does not carry: functions
 * and symbols (so that V8 raises the real DataCloneError), host objects, resizable buffers, a
 * SharedArrayBuffer itself, errors with accessor message or cause, nesting deeper than MAX_DEPTH.
 * Known differences from structuredClone: non-index properties of an array are not carried
 * (finding them costs an Object.keys of every array, ~250 ns even for [1, 2]); a Proxy is read
 * through its traps (structuredClone refuses it; JS cannot tell a Proxy apart); a view of shared
 * memory arrives as a private copy of its bytes. V_REF numbering: tree-seen.ts.
 *
 * Deliberately free of node: imports: runtimes without node:v8 (Bun, browsers) rely on it.
 */
import * as F from './formats.js';
import * as Seen from './tree-seen.js';
import * as TreeString from './tree-string.js';

// Copied into this module's own bindings once: across the CommonJS build's file boundaries an
// imported binding is read through a getter on every use (measured ~6% of an object encode).
const { addSeen, clearSeen, findSeen } = Seen;
const { typeCodeOf, viewOf, writeUtf8Short } = F;
const { magnitudeBytes, writeTreeString, writeVarint } = TreeString;
const { ERROR_CAUSE, ERROR_MESSAGE, ERROR_NAMES, ERROR_STACK, MAX_ARRAY, MAX_DEPTH, V_ARRAY, V_ARRAY_BUFFER } = F;
const { V_BIGINT, V_BOXED_BIGINT, V_BOXED_FALSE, V_BOXED_NUMBER, V_BOXED_STRING, V_BOXED_TRUE, V_DATE, V_ERROR } = F;
const { V_FALSE, V_FLOAT64, V_HOLE, V_INT, V_MAP, V_NULL, V_OBJECT, V_REF, V_REGEXP, V_SET, V_STRING } = F;
const { V_TRUE, V_UNDEFINED, V_VIEW } = F;

/** treeEncodeInto: the value holds something only node:v8 carries. */
export const TREE_BAIL = 0;
/** treeEncodeInto: the region is too small (size unknown: see treeEncodeFresh). */
export const TREE_OVERFLOW = -1;
/** Most values a strict encode writes (then the caller's structured clone costs about as much). */
export const STRICT_MAX_VALUES = 256;

const OVERFLOW = { overflow: true };
const BAIL = { bail: true };
const EMPTY = new Uint8Array(0);

let out: Uint8Array = EMPTY;
let pos = 0;
let end = 0;
/** Strict encode (see treeEncodeInto): shared memory refused (BAIL), `budget` values at most. */
let strict = false;
/** A Smi, not Infinity: V8 would store that in this variable as a new heap number per decrement. */
const NO_LIMIT = 0x3fffffff;
let budget = NO_LIMIT;

/** A container of `n` values begins: a strict encode gives up past STRICT_MAX_VALUES in all. */
function spend(n: number): void {
  budget -= n;
  if (budget < 0) throw BAIL;
}

const objectProto = Object.prototype;
const objectToString = Object.prototype.toString;

function need(k: number): void {
  if (pos + k > end) throw OVERFLOW;
}

function vu(x: number): void {
  need(8);
  if (x > 0xffffffff) {
    pos = writeVarint(x, out, pos); // past 2^32 (a buffer's length): by division, tree-string.ts
    return;
  }
  while (x >= 0x80) {
    out[pos++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  out[pos++] = x;
}

function f64(x: number): void {
  need(8);
  viewOf(out).setFloat64(pos, x, true);
  pos += 8;
}

function str(s: string): void {
  // Up to 42 units (126 UTF-8 bytes at most, a 1-byte length) here, in one pass; the rest, and
  // strings with lone surrogates, in tree-string.ts.
  const len = s.length;
  if (len <= 42) {
    need(2 + 3 * len);
    const n = writeUtf8Short(s, out, pos + 2);
    if (n >= 0) {
      out[pos] = V_STRING;
      out[pos + 1] = n;
      pos += 2 + n;
      return;
    }
  }
  const p = writeTreeString(s, out, pos, end);
  if (p < 0) throw OVERFLOW;
  pos = p;
}

function bigint(b: bigint): void {
  need(2);
  out[pos++] = b < 0n ? 1 : 0;
  const bytes = magnitudeBytes(b < 0n ? -b : b);
  vu(bytes.length);
  need(bytes.length);
  for (const x of bytes) out[pos++] = x;
}

function value(v: unknown, depth: number): void {
  switch (typeof v) {
    case 'number':
      if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
        need(6);
        out[pos++] = V_INT;
        const z = ((v << 1) ^ (v >> 31)) >>> 0;
        if (z < 0x80) out[pos++] = z;
        else vu(z);
      } else {
        need(9);
        out[pos++] = V_FLOAT64;
        f64(v);
      }
      return;
    case 'string':
      str(v);
      return;
    case 'boolean':
      need(1);
      out[pos++] = v ? V_TRUE : V_FALSE;
      return;
    case 'undefined':
      need(1);
      out[pos++] = V_UNDEFINED;
      return;
    case 'bigint':
      need(1);
      out[pos++] = V_BIGINT;
      bigint(v);
      return;
    case 'object':
      if (v === null) {
        need(1);
        out[pos++] = V_NULL;
      } else object(v, depth);
      return;
  }
  throw BAIL; // functions, symbols: V8 raises structured clone's own error
}

function object(v: object, depth: number): void {
  const ref = findSeen(v);
  if (ref >= 0) {
    need(1);
    out[pos++] = V_REF;
    vu(ref);
    return;
  }
  if (depth >= MAX_DEPTH) throw BAIL;
  const proto = Object.getPrototypeOf(v);
  if (proto === objectProto || proto === null) plain(v as Record<string, unknown>, depth);
  else if (Array.isArray(v)) array(v, depth);
  else if (ArrayBuffer.isView(v)) view(v);
  else if (v instanceof Date) {
    addSeen(v);
    need(1);
    out[pos++] = V_DATE;
    f64(v.getTime());
  } else if (v instanceof Map) map(v, depth);
  else if (v instanceof Set) set(v, depth);
  else if (v instanceof RegExp) {
    addSeen(v);
    need(1);
    out[pos++] = V_REGEXP;
    str(v.source);
    str(v.flags);
  } else if (v instanceof ArrayBuffer) {
    addSeen(v);
    arrayBuffer(v);
  } else if (v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof BigInt) boxed(v);
  else if (v instanceof Error) error(v, depth);
  // A class instance: structured clone copies its own enumerable properties into a plain object.
  // Anything with an internal tag (Promise, WeakMap, host objects...) goes to V8.
  else if (objectToString.call(v) === '[object Object]') plain(v as Record<string, unknown>, depth);
  else throw BAIL;
}

/**
 * A plain object (or a class instance, as structured clone copies one). `lazyRef`: the top-level
 * object is numbered (V_REF) only once a property holds an object: nothing before that can refer
 * to it, and the seen-list costs a pool's `{ a, b }` argument more than its encoding.
 */
function plain(v: Record<string, unknown>, depth: number, lazyRef = false): void {
  if (!lazyRef) addSeen(v);
  const keys = Object.keys(v);
  const n = keys.length;
  spend(n);
  need(2);
  out[pos++] = V_OBJECT;
  if (n < 0x80) out[pos++] = n;
  else vu(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    str(k);
    const x = i === 0 ? v[k] : i === 1 ? v[k] : i === 2 ? v[k] : v[k]; // a site per position: tree-decode.ts
    if (lazyRef && typeof x === 'object' && x !== null) {
      lazyRef = false;
      addSeen(v);
    }
    value(x, depth + 1);
  }
}

function array(v: unknown[], depth: number): void {
  const n = v.length;
  if (n > MAX_ARRAY) throw BAIL;
  spend(n);
  addSeen(v);
  need(1);
  out[pos++] = V_ARRAY;
  vu(n);
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (x === undefined && !(i in v)) {
      need(1);
      out[pos++] = V_HOLE;
    } else value(x, depth + 1);
  }
}

function arrayBuffer(b: ArrayBuffer): void {
  if ((b as { resizable?: boolean }).resizable === true) throw BAIL;
  const n = b.byteLength;
  need(1);
  out[pos++] = V_ARRAY_BUFFER;
  vu(n);
  need(n);
  out.set(new Uint8Array(b), pos);
  pos += n;
}

function view(v: ArrayBufferView): void {
  const code = typeCodeOf(v);
  if (code < 0) throw BAIL;
  addSeen(v);
  const buffer = v.buffer as ArrayBuffer;
  const isDataView = v instanceof DataView;
  const count = isDataView ? v.byteLength : (v as unknown as { length: number }).length;
  need(2);
  out[pos++] = V_VIEW;
  out[pos++] = code;
  if (!(buffer instanceof ArrayBuffer)) {
    // A strict caller keeps it shared by sending the value another way (structured clone).
    if (strict) throw BAIL;
    // Shared memory cannot travel: its bytes arrive as a private copy, as through node:v8.
    addSeen(undefined);
    need(1);
    out[pos++] = V_ARRAY_BUFFER;
    vu(v.byteLength);
    need(v.byteLength);
    out.set(new Uint8Array(buffer, v.byteOffset, v.byteLength), pos);
    pos += v.byteLength;
    vu(0);
    vu(count);
    return;
  }
  if ((buffer as { resizable?: boolean }).resizable === true) throw BAIL;
  const ref = findSeen(buffer);
  if (ref >= 0) {
    need(1);
    out[pos++] = V_REF;
    vu(ref);
  } else {
    addSeen(buffer);
    arrayBuffer(buffer);
  }
  vu(v.byteOffset);
  vu(count);
}

function map(m: Map<unknown, unknown>, depth: number): void {
  addSeen(m);
  need(1);
  out[pos++] = V_MAP;
  const n = m.size;
  spend(2 * n);
  vu(n);
  let k = 0;
  for (const [key, x] of m) {
    if (++k > n) throw BAIL; // changed while being read (a getter inside it): let V8 decide
    value(key, depth + 1);
    value(x, depth + 1);
  }
  if (k !== n) throw BAIL;
}

function set(s: Set<unknown>, depth: number): void {
  addSeen(s);
  need(1);
  out[pos++] = V_SET;
  const n = s.size;
  spend(n);
  vu(n);
  let k = 0;
  for (const x of s) {
    if (++k > n) throw BAIL;
    value(x, depth + 1);
  }
  if (k !== n) throw BAIL;
}

function boxed(v: object): void {
  addSeen(v);
  need(1);
  if (v instanceof Number) {
    out[pos++] = V_BOXED_NUMBER;
    f64(Number.prototype.valueOf.call(v));
  } else if (v instanceof String) {
    out[pos++] = V_BOXED_STRING;
    str(String.prototype.valueOf.call(v));
  } else if (v instanceof Boolean) {
    out[pos++] = Boolean.prototype.valueOf.call(v) ? V_BOXED_TRUE : V_BOXED_FALSE;
  } else {
    out[pos++] = V_BOXED_BIGINT;
    bigint(BigInt.prototype.valueOf.call(v));
  }
}

function error(e: Error, depth: number): void {
  addSeen(e);
  const name = e.name;
  const proto = Math.max(0, ERROR_NAMES.indexOf(typeof name === 'string' ? name : ''));
  const m = Object.getOwnPropertyDescriptor(e, 'message');
  const c = Object.getOwnPropertyDescriptor(e, 'cause');
  if ((m !== undefined && !('value' in m)) || (c !== undefined && !('value' in c))) throw BAIL;
  const stack = e.stack;
  const flags =
    (m !== undefined ? ERROR_MESSAGE : 0) |
    (typeof stack === 'string' ? ERROR_STACK : 0) |
    (c !== undefined ? ERROR_CAUSE : 0);
  need(3);
  out[pos++] = V_ERROR;
  out[pos++] = proto;
  out[pos++] = flags;
  if (m !== undefined) str(String(m.value));
  if (typeof stack === 'string') str(stack);
  if (c !== undefined) value(c.value, depth + 1);
}

function reset(): void {
  clearSeen();
  out = EMPTY;
  strict = false;
  budget = NO_LIMIT;
}

/**
 * Writes `tag` then the tree encoding of `v` into dst[offset, offset + room). Returns the bytes
 * written (> 0), TREE_OVERFLOW when the region is too small, TREE_BAIL when `v` holds something
 * only node:v8 carries. Errors thrown by getters propagate, as from structuredClone.
 * `strict`: also TREE_BAIL for a view of shared memory (instead of copying its bytes) and past
 * STRICT_MAX_VALUES values (codec.ts tryEncodeInto). `plainTop`: `v` is known to be a plain object.
 */
export function treeEncodeInto(
  v: unknown,
  tag: number,
  dst: Uint8Array,
  offset: number,
  room: number,
  strictMode = false,
  plainTop = false,
): number {
  // A getter that encodes something itself (a put() inside a getter) would clobber this module's
  // state: the inner call leaves its value to node:v8 instead.
  if (out !== EMPTY) return TREE_BAIL;
  out = dst;
  pos = offset;
  end = offset + room;
  if (strictMode) {
    strict = true;
    budget = STRICT_MAX_VALUES;
  }
  try {
    need(1);
    out[pos++] = tag;
    if (plainTop || (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === objectProto))
      plain(v as Record<string, unknown>, 0, true);
    else value(v, 0);
    return pos - offset;
  } catch (e) {
    if (e === OVERFLOW) return TREE_OVERFLOW;
    if (e === BAIL) return TREE_BAIL;
    throw e;
  } finally {
    reset();
  }
}
