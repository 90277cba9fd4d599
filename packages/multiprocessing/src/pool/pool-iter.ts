/**
 * The iterators behind Pool.imap and Pool.imapUnordered: an input iterable (sync or async, maybe
 * endless) cut into chunks, at most `maxChunksInFlight` chunks submitted and not yet consumed, and
 * the results handed out in input order (imap) or in completion order (imapUnordered).
 *
 * The bound is what lets a huge or endless input stream: a chunk is read from the input only when
 * there is room, and room is made only when the consumer takes results. (Python's imap reads its
 * whole input eagerly in a feeder thread.) After the pool is closed, the iterator reads the rest
 * of its input at once, as Python's feeder does, so that join() can finish without a consumer.
 *
 * Errors: a task error surfaces at its chunk's place (imap) or when its chunk completes
 * (imapUnordered); an error thrown by the input iterable surfaces after the results of everything
 * read before it. Either way the iterator is done afterwards (as an async generator would be).
 */
import { whileWaiting } from './waiting.js';

/** Submits one chunk of items (the first at `offset` in the input); resolves to their results in order. */
export type SubmitChunk = (items: unknown[], offset: number) => Promise<unknown[]>;

type Settled = { readonly ok: true; readonly values: unknown[] } | { readonly ok: false; readonly error: unknown };

export class ChunkedResultIterator<R> implements AsyncIterableIterator<R> {
  readonly #submit: SubmitChunk;
  readonly #chunksize: number;
  readonly #ordered: boolean;
  #maxInFlight: number;
  #input: Iterator<unknown> | AsyncIterator<unknown> | undefined;
  readonly #async: boolean;

  #submitted = 0; // chunks submitted so far
  #itemsRead = 0; // items read from the input so far
  #consumed = 0; // chunks whose results were handed out (or skipped, unordered)
  readonly #done = new Map<number, Settled>(); // imap: settled chunks by index, not yet consumed
  readonly #completed: Settled[] = []; // imapUnordered: settled chunks, in completion order
  #inputEnded = false;
  #inputError: { error: unknown } | undefined;
  #feeding = false;
  #finished = false;
  #current: unknown[] = [];
  #pos = 0;
  #wake: (() => void) | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  // Resolves once the input is exhausted or abandoned (Pool.join waits on it after close()).
  readonly #fed: Promise<void>;
  #resolveFed!: () => void;

  constructor(
    submit: SubmitChunk,
    input: Iterable<unknown> | AsyncIterable<unknown>,
    chunksize: number,
    maxInFlight: number,
    ordered: boolean,
  ) {
    this.#submit = submit;
    this.#chunksize = chunksize;
    this.#maxInFlight = maxInFlight;
    this.#ordered = ordered;
    const asyncIt = (input as AsyncIterable<unknown>)[Symbol.asyncIterator];
    this.#async = typeof asyncIt === 'function';
    this.#input = this.#async ? asyncIt.call(input) : (input as Iterable<unknown>)[Symbol.iterator]();
    this.#fed = new Promise((r) => (this.#resolveFed = r));
    this.#feed();
  }

  /** Resolves when no more chunks will be submitted. */
  get fed(): Promise<void> {
    return this.#fed;
  }

  /** Lifts the bound: read and submit the rest of the input now (after Pool.close()). */
  flush(): void {
    this.#maxInFlight = Infinity;
    this.#feed();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<R>> {
    // Calls are served one at a time, in the order they were made.
    const r = whileWaiting(this.#queue.then(() => this.#next()));
    this.#queue = r.catch(() => {});
    return r;
  }

  async return(): Promise<IteratorResult<R>> {
    this.#finish();
    return { value: undefined, done: true };
  }

  async #next(): Promise<IteratorResult<R>> {
    for (;;) {
      if (this.#pos < this.#current.length) return { value: this.#current[this.#pos++] as R, done: false };
      if (this.#finished) return { value: undefined, done: true };
      const chunk = this.#takeChunk();
      if (chunk) {
        this.#feed();
        if (!chunk.ok) {
          this.#finish();
          throw chunk.error;
        }
        this.#current = chunk.values;
        this.#pos = 0;
        continue;
      }
      // No chunk ready: the input's error or end is next once everything before it was consumed.
      if (this.#consumed === this.#submitted && !this.#feeding && (this.#inputEnded || this.#inputError)) {
        const err = this.#inputError;
        this.#finish();
        if (err) throw err.error;
        return { value: undefined, done: true };
      }
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  #takeChunk(): Settled | undefined {
    let chunk: Settled | undefined;
    if (this.#ordered) {
      chunk = this.#done.get(this.#consumed);
      if (chunk) this.#done.delete(this.#consumed);
    } else {
      chunk = this.#completed.shift();
    }
    if (chunk) this.#consumed++;
    return chunk;
  }

  #signal(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#current = [];
    this.#done.clear();
    this.#completed.length = 0;
    this.#closeInput();
  }

  #closeInput(): void {
    const input = this.#input;
    this.#input = undefined;
    if (!this.#inputEnded && !this.#inputError && input?.return) {
      try {
        const r = input.return();
        if (r && typeof (r as Promise<unknown>).then === 'function') (r as Promise<unknown>).then(undefined, () => {});
      } catch {
        // The input's own cleanup failed; nothing is waiting for it.
      }
    }
    if (!this.#feeding) this.#resolveFed();
  }

  /** Reads and submits chunks while there is room; one reader at a time. */
  #feed(): void {
    if (this.#feeding || this.#finished || this.#inputEnded || this.#inputError) return;
    this.#feeding = true;
    void this.#feedLoop().finally(() => {
      this.#feeding = false;
      if (this.#finished || this.#inputEnded || this.#inputError) this.#resolveFed();
      // The consumer may have made room while this reader was finishing: read on.
      else if (this.#submitted - this.#consumed < this.#maxInFlight) this.#feed();
      this.#signal();
    });
  }

  async #feedLoop(): Promise<void> {
    while (!this.#finished && this.#submitted - this.#consumed < this.#maxInFlight) {
      const items: unknown[] = [];
      try {
        while (items.length < this.#chunksize) {
          const r = this.#async
            ? await (this.#input as AsyncIterator<unknown>).next()
            : (this.#input as Iterator<unknown>).next();
          if (this.#finished) return;
          if (r.done) {
            this.#inputEnded = true;
            break;
          }
          items.push(r.value);
        }
      } catch (error) {
        // As CPython's task feeder: the chunk the input failed in is never submitted, so the
        // consumer sees the results of the complete chunks before it, then the error
        // (test_imap_handle_iterable_exception: chunksize 2 over 7 items then a raise -> 6 results).
        this.#inputError = { error };
        return;
      }
      if (items.length > 0) this.#submitChunk(items);
      if (this.#inputEnded || this.#inputError) return;
    }
  }

  #submitChunk(items: unknown[]): void {
    const index = this.#submitted++;
    const offset = this.#itemsRead;
    this.#itemsRead += items.length;
    let p: Promise<unknown[]>;
    try {
      p = this.#submit(items, offset);
    } catch (error) {
      p = Promise.reject(error);
    }
    p.then(
      (values) => this.#settle(index, { ok: true, values }),
      (error: unknown) => this.#settle(index, { ok: false, error }),
    );
  }

  #settle(index: number, s: Settled): void {
    if (this.#finished) return;
    if (this.#ordered) this.#done.set(index, s);
    else this.#completed.push(s);
    this.#signal();
  }
}
