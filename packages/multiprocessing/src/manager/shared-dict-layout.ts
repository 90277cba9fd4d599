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
 * This file: the layout, the lock, and the image a rebuild writes; the table's operations are
 * in shared-dict.ts.
 *
 * Layout: docs/layouts/manager-dict.md
 */
import {
  BlockingNotAllowedError,
  InvalidArgumentError,
  PayloadTooLargeError,
  canBlock,
  currentThreadId,
  isThreadDead,
} from '@sabkit/atomics-sync';

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

const ME = currentThreadId + 1;
export const align8 = (n: number): number => (n + 7) & ~7;
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

/** Takes the table's lock (this thread's id + 1 in LOCK). */
export function lockTable(i32: Int32Array): void {
  if (Atomics.compareExchange(i32, LOCK, 0, ME) !== 0) lockSlow(i32);
}

function lockSlow(i32: Int32Array): void {
  if (Atomics.load(i32, LOCK) === ME)
    throw new InvalidArgumentError('Manager dict: used again from inside its own operation (a getter?)');
  for (let k = 0; k < LOCK_SPIN; k++) {
    if (Atomics.load(i32, LOCK) === 0 && Atomics.compareExchange(i32, LOCK, 0, ME) === 0) return;
  }
  // A browser's page may not park: nothing is changed yet, its async form waits and retries (table-page.ts).
  if (!canBlock) throw new BlockingNotAllowedError("Manager dict: its lock is busy and a browser's page may not block");
  Atomics.add(i32, WAITERS, 1);
  try {
    for (;;) {
      const v = Atomics.load(i32, LOCK);
      if (v === 0) {
        if (Atomics.compareExchange(i32, LOCK, 0, ME) === 0) return;
        continue;
      }
      // The owner's thread died inside an operation: take the lock over rather than wait for ever.
      if (Atomics.wait(i32, LOCK, v, POLL_MS) === 'timed-out' && isThreadDead(v - 1)) {
        if (Atomics.compareExchange(i32, LOCK, v, ME) === v) return;
      }
    }
  } finally {
    Atomics.sub(i32, WAITERS, 1);
  }
}

export function unlockTable(i32: Int32Array): void {
  Atomics.store(i32, LOCK, 0);
  if (Atomics.load(i32, WAITERS) > 0) Atomics.notify(i32, LOCK, 1);
}

/** A rebuilt table: the index, entries and heap to copy over the buffer from word HEADER_WORDS. */
export interface Image {
  readonly bytes: Uint8Array;
  readonly need: number;
  readonly slots: number;
  readonly cap: number;
  readonly heap: number;
  readonly used: number;
  readonly count: number;
}

/**
 * The live entries of the table in `i32`/`u8`, in order, rewritten with room for `extra` more
 * heap bytes and one more entry (twice what they need). Under the lock.
 */
export function buildImage(i32: Int32Array, u8: Uint8Array, extra: number): Image {
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
  const eb = HEADER_WORDS + (i32[INDEX_SLOTS] as number);
  const hb = (eb + ENTRY_WORDS * (i32[ENTRIES_CAP] as number)) * 4;
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
    img8.set(u8.subarray(hb + off, hb + off + klen + vlen), nhb + used);
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
  return { bytes: img8, need, slots, cap, heap, used, count: k };
}
