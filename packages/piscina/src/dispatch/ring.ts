/**
 * A single-producer single-consumer ring of variable-length records in a SharedArrayBuffer.
 *
 * Lamport's lock-free SPSC queue (L. Lamport, "Specifying concurrent program modules", 1983) over
 * bytes, as in ringbuf.js (P. Adenot): the producer alone writes the write position, the consumer
 * alone writes the read position, both are free-running uint32 byte counters (capacity is a power
 * of two, so `pos & (capacity - 1)` is the offset and `(write - read) >>> 0` the fill, across
 * wrap-around of the counters). Each side caches the other's position and reloads it only when the
 * cached value says the ring is full (producer) or empty (consumer), as Rigtorp's SPSCQueue does:
 * the hot path touches the other thread's cache line only when it must.
 *
 * Records are contiguous and 8-byte aligned: `[u32 length][body...]`, length counting the whole
 * record and rounded up to 8. A record that would straddle the end of the ring is preceded by a
 * wrap marker (length 0) and written at offset 0, so a reader always sees a record in one piece
 * (v8.deserialize and TextDecoder want contiguous bytes).
 *
 * Publication: bytes are written with plain stores, then the position with Atomics.store; the
 * other side's Atomics.load of the position makes them visible (the atomics are sequentially
 * consistent, which orders the plain accesses around them).
 *
 * Layout: docs/layouts/pool.md
 */

/** Length field of a wrap marker. */
export const WRAP = 0;

/** Rounds `n` up to the ring's record alignment (8 bytes). */
export const align8 = (n: number): number => (n + 7) & ~7;

export class RingWriter {
  readonly #ctrl: Int32Array;
  readonly #writeWord: number;
  readonly #readWord: number;
  readonly #base: number;
  readonly #cap: number;
  #pos = 0;
  #readCache = 0;

  /**
   * @param ctrl    Int32 view of the whole buffer: the two position words and the ring data
   * @param base    byte offset of the ring data in the buffer (multiple of 8)
   * @param cap     ring bytes (power of two)
   */
  constructor(ctrl: Int32Array, writeWord: number, readWord: number, base: number, cap: number) {
    this.#ctrl = ctrl;
    this.#writeWord = writeWord;
    this.#readWord = readWord;
    this.#base = base;
    this.#cap = cap;
    this.#pos = Atomics.load(ctrl, writeWord) >>> 0;
    this.#readCache = Atomics.load(ctrl, readWord) >>> 0;
  }

  /** Bytes the ring holds; no record may be longer than half of it. */
  get capacity(): number {
    return this.#cap;
  }

  /**
   * Reserves room for a record of `len` bytes (a multiple of 8, at most capacity / 2) and
   * returns its byte offset in the buffer, or -1 if the ring is too full. Nothing is visible to
   * the reader until `commit` and `publish`. A wrap marker written here is harmless if the caller
   * then gives up: the reader skips it.
   */
  reserve(len: number): number {
    const cap = this.#cap;
    const idx = this.#pos & (cap - 1);
    const tail = cap - idx;
    const need = len <= tail ? len : tail + len;
    if (cap - ((this.#pos - this.#readCache) >>> 0) < need) {
      this.#readCache = Atomics.load(this.#ctrl, this.#readWord) >>> 0;
      if (cap - ((this.#pos - this.#readCache) >>> 0) < need) return -1;
    }
    if (len <= tail) return this.#base + idx;
    this.#ctrl[(this.#base + idx) >> 2] = WRAP;
    this.#pos = (this.#pos + tail) >>> 0;
    return this.#base;
  }

  /**
   * Like `reserve`, for a record whose length is not known yet: returns the offset of at least
   * `min` contiguous free bytes (wrapping to offset 0 if the tail is shorter), or -1, and leaves in
   * `room` how many contiguous bytes are free there. Commit only what was written.
   */
  reserveAny(min: number): number {
    const cap = this.#cap;
    let free = cap - ((this.#pos - this.#readCache) >>> 0);
    if (free < min + min) {
      this.#readCache = Atomics.load(this.#ctrl, this.#readWord) >>> 0;
      free = cap - ((this.#pos - this.#readCache) >>> 0);
    }
    const idx = this.#pos & (cap - 1);
    const tail = cap - idx;
    if (Math.min(tail, free) >= min) {
      this.room = Math.min(tail, free);
      return this.#base + idx;
    }
    if (free - tail < min) return -1;
    this.#ctrl[(this.#base + idx) >> 2] = WRAP;
    this.#pos = (this.#pos + tail) >>> 0;
    this.room = free - tail;
    return this.#base;
  }

  /** Contiguous free bytes at the offset the last `reserveAny` returned. */
  room = 0;

  /** Adds the record just written at the reserved offset (`len` bytes) to the unpublished batch. */
  commit(len: number): void {
    this.#pos = (this.#pos + len) >>> 0;
  }

  /** The free-running byte position after the last committed record (what publish() stores). */
  get position(): number {
    return this.#pos;
  }

  /** Makes every committed record visible to the reader. */
  publish(): void {
    Atomics.store(this.#ctrl, this.#writeWord, this.#pos | 0);
  }

  /** True if every committed record has been consumed (racy: the reader may be mid-record). */
  drained(): boolean {
    return Atomics.load(this.#ctrl, this.#readWord) >>> 0 === this.#pos;
  }
}

export class RingReader {
  readonly #ctrl: Int32Array;
  readonly #writeWord: number;
  readonly #readWord: number;
  readonly #base: number;
  readonly #cap: number;
  #pos = 0;
  #writeCache = 0;
  #released = 0;

  constructor(ctrl: Int32Array, writeWord: number, readWord: number, base: number, cap: number) {
    this.#ctrl = ctrl;
    this.#writeWord = writeWord;
    this.#readWord = readWord;
    this.#base = base;
    this.#cap = cap;
    this.#pos = this.#released = Atomics.load(ctrl, readWord) >>> 0;
    this.#writeCache = Atomics.load(ctrl, writeWord) >>> 0;
  }

  /**
   * Byte offset in the buffer of the next record, or -1 if none is published. The record stays
   * valid (the writer cannot overwrite it) until `advance` and then `release`.
   */
  peek(): number {
    for (;;) {
      if (this.#pos === this.#writeCache) {
        this.#writeCache = Atomics.load(this.#ctrl, this.#writeWord) >>> 0;
        if (this.#pos === this.#writeCache) return -1;
      }
      const idx = this.#pos & (this.#cap - 1);
      if (this.#ctrl[(this.#base + idx) >> 2] !== WRAP) return this.#base + idx;
      this.#pos = (this.#pos + this.#cap - idx) >>> 0;
    }
  }

  /**
   * True if a record is published but not yet read. Racy: a record published an instant later
   * reads as absent; callers re-check after announcing they are about to park.
   */
  hasData(): boolean {
    return this.#pos !== this.#writeCache || this.#pos !== Atomics.load(this.#ctrl, this.#writeWord) >>> 0;
  }

  /** Steps past the record at the head (`len` bytes, its length field). */
  advance(len: number): void {
    this.#pos = (this.#pos + len) >>> 0;
  }

  /** Gives the bytes of every record stepped past back to the writer. */
  release(): void {
    if (this.#released !== this.#pos) {
      this.#released = this.#pos;
      Atomics.store(this.#ctrl, this.#readWord, this.#pos | 0);
    }
  }
}
