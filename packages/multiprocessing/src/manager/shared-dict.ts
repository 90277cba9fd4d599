/**
 * The storage of a local Manager's dict: a hash table in one growable SharedArrayBuffer that every
 * thread's DictProxy reads and writes under the table's own lock, with no round trip to the
 * server thread. Keys and values are stored encoded (atomics-sync's codec), so what a proxy
 * reads is a copy, as from a manager's server; the order of keys is insertion order, as a Map's.
 * Two keys are the same key when their encodings are equal: 1, '1', 1n and true are four keys, as
 * in a Map; -0 is stored as 0 (Map's SameValueZero); an object key matches an object with the same
 * properties in the same order (a server's Map would never match it: its keys are fresh copies).
 *
 * The table is CPython's compact dict (Raymond Hettinger's 2012 design, Objects/dictobject.c):
 * a sparse index of INDEX_SLOTS words (entry + 1, INDEX_EMPTY, INDEX_DELETED), linear probing,
 * at most half full, over a dense array of entries in insertion order, whose key and value bytes
 * sit in a bump-allocated heap. A value replaced by one as long or shorter is overwritten in place;
 * a longer one, or a new key, is appended. When the entries or the heap run out, the live entries
 * are rebuilt into a fresh image (twice the room) that replaces the table under the lock, growing
 * the buffer (SharedArrayBuffer.prototype.grow: every thread sees the new length) when needed.
 *
 * Layout (Int32 words; the index, the entries, then the heap's bytes):
 *
 *   word 0  LOCK          0 free, else the owner's thread id + 1
 *   word 1  WAITERS       threads parked on LOCK (unlock notifies only when > 0)
 *   word 2  COUNT         live keys
 *   word 3  INDEX_SLOTS   index words, a power of two, 2 * ENTRIES_CAP
 *   word 4  ENTRIES_CAP   entries room
 *   word 5  ENTRIES_USED  entries written (live and deleted) since the last rebuild
 *   word 6  HEAP_USED     heap bytes handed out (each blob 8-aligned)
 *   word 7  HEAP_CAP      heap bytes
 *   word 8  GARBAGE       heap bytes of dead blobs (decides whether a rebuild must grow)
 *   word 9  GROWTHS       bumped each time the buffer grows: a thread then remaps its views
 *                         (fixed-length views: the codec keeps a DataView per view)
 *   words 10-15           reserved, 0
 *   HEADER_WORDS ..       index: INDEX_SLOTS words
 *   then                  entries: ENTRIES_CAP x ENTRY_WORDS words: E_HASH, E_OFF (heap offset of
 *                         the key bytes, E_DELETED once deleted), E_KLEN, E_VLEN (value bytes,
 *                         right after the key)
 *   then                  heap: HEAP_CAP bytes
 *
 * The lock: CAS 0 -> owner; a contender spins LOCK_SPIN times (critical sections last a few
 * hundred ns: a copy of bytes and a probe; encoding, which may run user getters, happens before
 * the lock is taken), then parks on LOCK with POLL_MS timeouts. Barging is allowed (as in Go's
 * sync.Mutex normal mode): a waiter re-competes when woken; with sections this short no thread
 * starves in practice. A waiter that finds the owner's thread dead (liveness table) takes the lock
 * over: the dead thread's operation may be lost, the table is not left locked for ever.
 *
 * Layout: docs/layouts/manager-dict.md
 */
import {
  InvalidArgumentError,
  PayloadTooLargeError,
  codec,
  currentThreadId,
  describe,
  isThreadDead,
} from '@sabkit/atomics-sync';
import { KeyError } from '../errors.js';

export const LOCK = 0;
export const WAITERS = 1;
export const COUNT = 2;
export const INDEX_SLOTS = 3;
export const ENTRIES_CAP = 4;
export const ENTRIES_USED = 5;
export const HEAP_USED = 6;
export const HEAP_CAP = 7;
export const GARBAGE = 8;
export const GROWTHS = 9;
export const HEADER_WORDS = 16;
export const ENTRY_WORDS = 4;
export const E_HASH = 0;
export const E_OFF = 1;
export const E_KLEN = 2;
export const E_VLEN = 3;
export const E_DELETED = -1;
export const INDEX_EMPTY = 0;
export const INDEX_DELETED = -1;
/** Entries of a new table (its index has twice as many words). */
export const INITIAL_ENTRIES = 8;
/** Heap bytes of a new table. */
export const INITIAL_HEAP = 512;
/** Largest a table may grow (the buffer's maxByteLength: address space reserved, not memory). */
export const MAX_TABLE_BYTES = 1 << 30;
/** Lock attempts before parking. */
export const LOCK_SPIN = 200;
/** A parked contender re-checks the owner's liveness this often (ms). */
export const POLL_MS = 100;

const { encodeInto, decode } = codec;
const ME = currentThreadId + 1;
const align8 = (n: number) => (n + 7) & ~7;
const bytesOf = (slots: number, cap: number, heap: number) => (HEADER_WORDS + slots + ENTRY_WORDS * cap) * 4 + heap;

/** A new, empty table; undefined where SharedArrayBuffers cannot grow (the server keeps the dict). */
export function createSharedDict(): SharedArrayBuffer | undefined {
  const bytes = bytesOf(2 * INITIAL_ENTRIES, INITIAL_ENTRIES, INITIAL_HEAP);
  let sab: SharedArrayBuffer;
  try {
    sab = new (SharedArrayBuffer as new (n: number, o: object) => SharedArrayBuffer)(bytes, {
      maxByteLength: MAX_TABLE_BYTES,
    });
  } catch {
    return undefined;
  }
  if (!(sab as { growable?: boolean }).growable) return undefined;
  const i32 = new Int32Array(sab, 0, HEADER_WORDS);
  i32[INDEX_SLOTS] = 2 * INITIAL_ENTRIES;
  i32[ENTRIES_CAP] = INITIAL_ENTRIES;
  i32[HEAP_CAP] = INITIAL_HEAP;
  return sab;
}

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
    const i32 = this.#i32;
    if (Atomics.compareExchange(i32, LOCK, 0, ME) !== 0) this.#lockSlow();
    if (this.#i32[GROWTHS] !== this.#growths) this.#remap();
  }

  #lockSlow(): void {
    const i32 = this.#i32;
    if (Atomics.load(i32, LOCK) === ME)
      throw new InvalidArgumentError('Manager dict: used again from inside its own operation (a getter?)');
    for (let k = 0; k < LOCK_SPIN; k++) {
      if (Atomics.load(i32, LOCK) === 0 && Atomics.compareExchange(i32, LOCK, 0, ME) === 0) return;
    }
    Atomics.add(i32, WAITERS, 1);
    try {
      for (;;) {
        const v = Atomics.load(i32, LOCK);
        if (v === 0) {
          if (Atomics.compareExchange(i32, LOCK, 0, ME) === 0) return;
          continue;
        }
        if (Atomics.wait(i32, LOCK, v, POLL_MS) === 'timed-out' && isThreadDead(v - 1)) {
          if (Atomics.compareExchange(i32, LOCK, v, ME) === v) return;
        }
      }
    } finally {
      Atomics.sub(i32, WAITERS, 1);
    }
  }

  #unlock(): void {
    Atomics.store(this.#i32, LOCK, 0);
    if (Atomics.load(this.#i32, WAITERS) > 0) Atomics.notify(this.#i32, LOCK, 1);
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

  /** Rewrites the live entries into a fresh image with room for `extra` more heap bytes and one entry. */
  #rebuild(extra: number): void {
    const i32 = this.#i32;
    const count = i32[COUNT] as number;
    let cap = INITIAL_ENTRIES;
    while (cap < 2 * (count + 1)) cap *= 2;
    const slots = 2 * cap;
    const live = (i32[HEAP_USED] as number) - (i32[GARBAGE] as number);
    const heap = Math.max(INITIAL_HEAP, align8(2 * (live + extra)));
    const need = bytesOf(slots, cap, heap);
    if (need > MAX_TABLE_BYTES)
      throw new PayloadTooLargeError(
        `Manager dict: ${need} bytes needed, more than the ${MAX_TABLE_BYTES} a managed dict may hold`,
      );
    const img = new Int32Array((need >> 2) - HEADER_WORDS);
    const img8 = new Uint8Array(img.buffer);
    const eb = this.#entriesBase();
    const hb = this.#heapBase();
    const nhb = (slots + ENTRY_WORDS * cap) * 4;
    let used = 0;
    let k = 0;
    const total = i32[ENTRIES_USED] as number;
    for (let e = 0; e < total; e++) {
      const w = eb + e * ENTRY_WORDS;
      const off = i32[w + E_OFF] as number;
      if (off === E_DELETED) continue;
      const klen = i32[w + E_KLEN] as number;
      const vlen = i32[w + E_VLEN] as number;
      const h = i32[w + E_HASH] as number;
      img8.set(this.#u8.subarray(hb + off, hb + off + klen + vlen), nhb + used);
      const nw = slots + k * ENTRY_WORDS;
      img[nw + E_HASH] = h;
      img[nw + E_OFF] = used;
      img[nw + E_KLEN] = klen;
      img[nw + E_VLEN] = vlen;
      let i = h & (slots - 1);
      while (img[i] !== INDEX_EMPTY) i = (i + 1) & (slots - 1);
      img[i] = k + 1;
      used += align8(klen + vlen);
      k++;
    }
    if (need > this.buffer.byteLength) {
      (this.buffer as unknown as { grow(n: number): void }).grow(need);
      i32[GROWTHS] = (i32[GROWTHS] as number) + 1;
      this.#remap();
    }
    const w32 = this.#i32;
    this.#u8.set(img8, HEADER_WORDS * 4);
    w32[INDEX_SLOTS] = slots;
    w32[ENTRIES_CAP] = cap;
    w32[ENTRIES_USED] = k;
    w32[HEAP_USED] = used;
    w32[HEAP_CAP] = heap;
    w32[GARBAGE] = 0;
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
