/**
 * A local Manager's dict (and Namespace) as a table in shared memory that every thread's proxy
 * works on directly: get, set, has, delete, pop, setdefault, add, the entries in order, clear.
 * Keys and values are encoded (atomics-sync's codec) before the table's lock is taken, because
 * encoding may run user code (getters); under the lock a call only probes and copies bytes, or
 * decodes them (which runs none). The layout, the lock and the rebuild: shared-dict-layout.ts,
 * docs/layouts/manager-dict.md.
 */
import { codec, describe } from '@sabkit/atomics-sync';
import { KeyError } from '../errors.js';
import * as L from './shared-dict-layout.js';

export { createSharedDict } from './shared-dict-layout.js';

// Local copies: in the CommonJS build an imported binding is a getter on every use (hot loops).
const {
  COUNT,
  ENTRIES_CAP,
  ENTRIES_USED,
  ENTRY_WORDS,
  E_DELETED,
  E_HASH,
  E_KLEN,
  E_OFF,
  E_VLEN,
  GARBAGE,
  GROWTHS,
  HEADER_WORDS,
  HEAP_CAP,
  HEAP_USED,
  INDEX_DELETED,
  INDEX_EMPTY,
  INDEX_SLOTS,
  align8,
  buildImage,
  lockTable,
  unlockTable,
} = L;
const { encodeInto, decode } = codec;

// The key (then the value) of the current call, encoded outside the lock. A getter run by the
// encoder that calls into a dict again gets a scratch of its own (busy).
let scratch: Uint8Array = new Uint8Array(1024);
let busy = false;

function encodeAt(buf: Uint8Array, at: number, v: unknown): [Uint8Array, number] {
  let n = encodeInto(v, buf, at, buf.length - at);
  if (n < 0) {
    const bigger = new Uint8Array(Math.max(2 * buf.length, at - n + 64));
    bigger.set(buf.subarray(0, at));
    buf = bigger;
    n = encodeInto(v, buf, at, buf.length - at);
  }
  return [buf, n];
}

/** FNV-1a over the key's bytes. */
function hashOf(b: Uint8Array, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  return h | 0;
}

/** One thread's handle on a table (shared by the proxies of that dict in that thread). */
export class SharedDict {
  readonly buffer: SharedArrayBuffer;
  #i32: Int32Array;
  #u8: Uint8Array;
  #growths = -1;
  /** Set by #find: the index word of the key found, or where it would go. */
  #slot = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.#i32 = new Int32Array(buffer, 0, HEADER_WORDS);
    this.#u8 = new Uint8Array(0);
  }

  /** Views over the buffer's current length (another thread may have grown it). Under the lock. */
  #remap(): void {
    this.#growths = this.#i32[GROWTHS] as number;
    const n = this.buffer.byteLength;
    this.#i32 = new Int32Array(this.buffer, 0, n >> 2);
    this.#u8 = new Uint8Array(this.buffer, 0, n);
  }

  #lock(): void {
    lockTable(this.#i32);
    if (this.#i32[GROWTHS] !== this.#growths) this.#remap();
  }

  #unlock(): void {
    unlockTable(this.#i32);
  }

  #entriesBase(): number {
    return HEADER_WORDS + (this.#i32[INDEX_SLOTS] as number);
  }

  #heapBase(): number {
    return (this.#entriesBase() + ENTRY_WORDS * (this.#i32[ENTRIES_CAP] as number)) * 4;
  }

  /** The entry holding key buf[0, klen) (hash h), or -1; sets #slot. Under the lock. */
  #find(buf: Uint8Array, klen: number, h: number): number {
    const i32 = this.#i32;
    const u8 = this.#u8;
    const slots = i32[INDEX_SLOTS] as number;
    const eb = HEADER_WORDS + slots;
    const hb = (eb + ENTRY_WORDS * (i32[ENTRIES_CAP] as number)) * 4;
    const mask = slots - 1;
    let free = -1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = i32[HEADER_WORDS + i] as number;
      if (e === INDEX_EMPTY) {
        this.#slot = free >= 0 ? free : i;
        return -1;
      }
      if (e === INDEX_DELETED) {
        if (free < 0) free = i;
        continue;
      }
      const w = eb + (e - 1) * ENTRY_WORDS;
      if (i32[w + E_HASH] !== h || i32[w + E_KLEN] !== klen) continue;
      const at = hb + (i32[w + E_OFF] as number);
      let j = 0;
      while (j < klen && u8[at + j] === buf[j]) j++;
      if (j === klen) {
        this.#slot = i;
        return e - 1;
      }
    }
  }

  /** Runs `fn(buf, klen, hash)` under the lock with the key encoded (and `value`, if given, after it). */
  #with<T>(key: unknown, value: unknown, hasValue: boolean, fn: (buf: Uint8Array, klen: number, h: number) => T): T {
    const own = !busy;
    let buf: Uint8Array = own ? scratch : new Uint8Array(256);
    busy = true;
    try {
      let klen: number;
      [buf, klen] = encodeAt(buf, 0, Object.is(key, -0) ? 0 : key);
      if (hasValue) [buf, this.#vlen] = encodeAt(buf, klen, value);
      if (own) scratch = buf;
      const h = hashOf(buf, klen);
      this.#lock();
      try {
        return fn(buf, klen, h);
      } finally {
        this.#unlock();
      }
    } finally {
      if (own) busy = false;
    }
  }
  #vlen = 0;

  #value(e: number): unknown {
    const i32 = this.#i32;
    const w = this.#entriesBase() + e * ENTRY_WORDS;
    return decode(
      this.#u8,
      this.#heapBase() + (i32[w + E_OFF] as number) + (i32[w + E_KLEN] as number),
      i32[w + E_VLEN] as number,
    );
  }

  /** Stores buf[klen, klen + vlen) as the value of key buf[0, klen) (entry e, or a new one). Under the lock. */
  #store(buf: Uint8Array, klen: number, vlen: number, h: number, e: number): void {
    let i32 = this.#i32;
    if (e >= 0) {
      const w = this.#entriesBase() + e * ENTRY_WORDS;
      const old = i32[w + E_VLEN] as number;
      if (vlen <= old) {
        this.#u8.set(buf.subarray(klen, klen + vlen), this.#heapBase() + (i32[w + E_OFF] as number) + klen);
        i32[w + E_VLEN] = vlen;
        return;
      }
    }
    const blob = align8(klen + vlen);
    if (
      (i32[HEAP_USED] as number) + blob > (i32[HEAP_CAP] as number) ||
      (e < 0 && i32[ENTRIES_USED] === i32[ENTRIES_CAP])
    ) {
      this.#rebuild(blob);
      i32 = this.#i32; // remapped if the buffer grew
      e = this.#find(buf, klen, h);
    }
    const off = i32[HEAP_USED] as number;
    this.#u8.set(buf.subarray(0, klen + vlen), this.#heapBase() + off);
    i32[HEAP_USED] = off + blob;
    if (e >= 0) {
      const w = this.#entriesBase() + e * ENTRY_WORDS;
      i32[GARBAGE] = (i32[GARBAGE] as number) + align8(klen + (i32[w + E_VLEN] as number));
      i32[w + E_OFF] = off;
      i32[w + E_VLEN] = vlen;
      return;
    }
    const n = i32[ENTRIES_USED] as number;
    const w = this.#entriesBase() + n * ENTRY_WORDS;
    i32[w + E_HASH] = h;
    i32[w + E_OFF] = off;
    i32[w + E_KLEN] = klen;
    i32[w + E_VLEN] = vlen;
    i32[ENTRIES_USED] = n + 1;
    i32[HEADER_WORDS + this.#slot] = n + 1;
    i32[COUNT] = (i32[COUNT] as number) + 1;
  }

  /** Rewrites the live entries with room for `extra` more heap bytes and one entry (buildImage). */
  #rebuild(extra: number): void {
    const img = buildImage(this.#i32, this.#u8, extra);
    if (img.need > this.buffer.byteLength) {
      (this.buffer as unknown as { grow(n: number): void }).grow(img.need);
      this.#i32[GROWTHS] = (this.#i32[GROWTHS] as number) + 1;
      this.#remap();
    }
    const i32 = this.#i32;
    this.#u8.set(img.bytes, HEADER_WORDS * 4);
    i32[INDEX_SLOTS] = img.slots;
    i32[ENTRIES_CAP] = img.cap;
    i32[ENTRIES_USED] = img.count;
    i32[HEAP_USED] = img.used;
    i32[HEAP_CAP] = img.heap;
    i32[GARBAGE] = 0;
  }

  #remove(e: number): void {
    const i32 = this.#i32;
    const w = this.#entriesBase() + e * ENTRY_WORDS;
    i32[GARBAGE] = (i32[GARBAGE] as number) + align8((i32[w + E_KLEN] as number) + (i32[w + E_VLEN] as number));
    i32[w + E_OFF] = E_DELETED;
    i32[HEADER_WORDS + this.#slot] = INDEX_DELETED;
    i32[COUNT] = (i32[COUNT] as number) - 1;
  }

  // get and set are the hot calls: written out rather than through #with's closure.
  get(key: unknown, dflt?: unknown): unknown {
    if (busy) return this.#with(key, undefined, false, (b, klen, h) => this.#getLocked(b, klen, h, dflt));
    busy = true;
    try {
      const k = Object.is(key, -0) ? 0 : key;
      let buf = scratch;
      let klen = encodeInto(k, buf, 0, buf.length);
      if (klen < 0) [buf, klen] = encodeAt((scratch = new Uint8Array(64 - 2 * klen)), 0, k);
      const h = hashOf(buf, klen);
      this.#lock();
      try {
        return this.#getLocked(buf, klen, h, dflt);
      } finally {
        this.#unlock();
      }
    } finally {
      busy = false;
    }
  }

  #getLocked(b: Uint8Array, klen: number, h: number, dflt: unknown): unknown {
    const e = this.#find(b, klen, h);
    return e < 0 ? dflt : this.#value(e);
  }

  set(key: unknown, value: unknown): void {
    if (busy) {
      this.#with(key, value, true, (b, klen, h) => this.#store(b, klen, this.#vlen, h, this.#find(b, klen, h)));
      return;
    }
    busy = true;
    try {
      const k = Object.is(key, -0) ? 0 : key;
      let buf = scratch;
      let klen = encodeInto(k, buf, 0, buf.length);
      if (klen < 0) [buf, klen] = encodeAt((scratch = new Uint8Array(64 - 2 * klen)), 0, k);
      let vlen = encodeInto(value, buf, klen, buf.length - klen);
      if (vlen < 0) [buf, vlen] = encodeAt(buf, klen, value);
      scratch = buf;
      const h = hashOf(buf, klen);
      this.#lock();
      try {
        this.#store(buf, klen, vlen, h, this.#find(buf, klen, h));
      } finally {
        this.#unlock();
      }
    } finally {
      busy = false;
    }
  }

  has(key: unknown): boolean {
    return this.#with(key, undefined, false, (b, klen, h) => this.#find(b, klen, h) >= 0);
  }

  delete(key: unknown): boolean {
    return this.#with(key, undefined, false, (b, klen, h) => {
      const e = this.#find(b, klen, h);
      if (e >= 0) this.#remove(e);
      return e >= 0;
    });
  }

  /** Python's pop: the value removed; without a default a missing key is a KeyError. */
  pop(key: unknown, dflt: unknown[]): unknown {
    return this.#with(key, undefined, false, (b, klen, h) => {
      const e = this.#find(b, klen, h);
      if (e < 0) {
        if (dflt.length > 0) return dflt[0];
        throw new KeyError(`dict.pop(): no key ${describe(key)}`);
      }
      const v = this.#value(e);
      this.#remove(e);
      return v;
    });
  }

  setdefault(key: unknown, dflt: unknown): unknown {
    return this.#with(key, dflt, true, (b, klen, h) => {
      const e = this.#find(b, klen, h);
      if (e >= 0) return this.#value(e);
      this.#store(b, klen, this.#vlen, h, -1);
      return decode(b, klen, this.#vlen);
    });
  }

  /** d[key] += delta atomically (a missing key counts as 0). */
  add(key: unknown, delta: unknown): unknown {
    return this.#with(key, undefined, false, (b, klen, h) => {
      const e = this.#find(b, klen, h);
      const old = e >= 0 ? this.#value(e) : typeof delta === 'bigint' ? 0n : 0;
      const v = ((old ?? (typeof delta === 'bigint' ? 0n : 0)) as number) + (delta as number);
      // A number, bigint or string: encoding it runs no user code, so it may happen under the lock.
      const [buf, vlen] = encodeAt(b, klen, v);
      this.#store(buf, klen, vlen, h, e);
      return v;
    });
  }

  get size(): number {
    return Atomics.load(this.#i32, COUNT); // in the header: any view reaches it
  }

  /** Every live [key, value] pair in insertion order, decoded (what keys/values/items/copy read). */
  entries(keys: boolean, values: boolean): unknown[] {
    this.#lock();
    try {
      const i32 = this.#i32;
      const eb = this.#entriesBase();
      const hb = this.#heapBase();
      const out: unknown[] = [];
      const total = i32[ENTRIES_USED] as number;
      for (let e = 0; e < total; e++) {
        const w = eb + e * ENTRY_WORDS;
        const off = i32[w + E_OFF] as number;
        if (off === E_DELETED) continue;
        const klen = i32[w + E_KLEN] as number;
        const k = keys ? decode(this.#u8, hb + off, klen) : undefined;
        const v = values ? decode(this.#u8, hb + off + klen, i32[w + E_VLEN] as number) : undefined;
        out.push(keys && values ? [k, v] : keys ? k : v);
      }
      return out;
    } finally {
      this.#unlock();
    }
  }

  clear(): void {
    this.#lock();
    try {
      const i32 = this.#i32;
      i32.fill(0, HEADER_WORDS, HEADER_WORDS + (i32[INDEX_SLOTS] as number));
      i32[COUNT] = 0;
      i32[ENTRIES_USED] = 0;
      i32[HEAP_USED] = 0;
      i32[GARBAGE] = 0;
    } finally {
      this.#unlock();
    }
  }
}

const tables = new WeakMap<SharedArrayBuffer, SharedDict>();

/** This thread's handle on the table in `buffer`. */
export function sharedDict(buffer: SharedArrayBuffer): SharedDict {
  let t = tables.get(buffer);
  if (!t) tables.set(buffer, (t = new SharedDict(buffer)));
  return t;
}
