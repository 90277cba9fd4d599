/**
 * One call of a ClusterPool (an apply, a map, an imap): its chunks' job ids, its AbortSignal, its
 * progress callback, and how a chunk's reply becomes values or the task's own error. When a call
 * fails or is aborted, its chunks still waiting in the queue are removed, so no worker runs work
 * whose result nobody wants.
 */
import { deserializeError } from '@sabkit/atomics-sync';
import type { ChunkDone, Dispatcher } from './dispatcher.js';
import { decodeValues, type WireTask } from '../protocol/wire.js';
import type { CallOptions } from './options.js';

/** A chunk's values, and the task time its worker measured for it (ms). */
export interface ChunkResult {
  readonly values: unknown[];
  readonly ms: number;
}

export class Call {
  readonly #d: Dispatcher;
  readonly #id: string;
  readonly #fn: WireTask;
  readonly #star: boolean;
  readonly #method: string;
  readonly #opts: CallOptions;
  readonly #ids = new Set<string>();
  #chunks = 0;
  #ended = false;

  constructor(d: Dispatcher, fn: WireTask, star: boolean, method: string, opts: CallOptions) {
    this.#d = d;
    this.#id = d.newCall();
    this.#fn = fn;
    this.#star = star;
    this.#method = method;
    this.#opts = opts;
  }

  /** Sends chunks (`items` starting at `offset` of the input), in one round trip. */
  send(chunks: ReadonlyArray<{ readonly items: unknown[]; readonly offset: number }>): Promise<ChunkResult>[] {
    if (this.#ended) return chunks.map(() => Promise.reject(new Error('call ended')));
    const first = this.#chunks;
    this.#chunks += chunks.length;
    const onProgress = this.#opts.onProgress;
    const offsets = new Map<string, number>();
    const specs = chunks.map((c) => ({
      fn: this.#fn,
      items: c.items,
      star: this.#star,
      method: this.#method,
      offset: c.offset,
    }));
    const sent = this.#d.send(
      this.#id,
      first,
      specs,
      onProgress && ((data, jobId) => onProgress(data, { jobId, offset: offsets.get(jobId) ?? 0 })),
    );
    return sent.map((p, k) => {
      const id = `${this.#id}.${first + k}`;
      offsets.set(id, chunks[k].offset);
      this.#ids.add(id);
      return p.then(
        (r) => {
          this.#ids.delete(id);
          return values(r);
        },
        (e: unknown) => {
          this.#ids.delete(id);
          throw e;
        },
      );
    });
  }

  /**
   * `p`, rejected with the signal's reason as soon as the call is aborted. Either way, once `p`
   * fails the call's other chunks are withdrawn.
   */
  async guard<T>(p: Promise<T>): Promise<T> {
    const signal = this.#opts.signal;
    let onAbort: (() => void) | undefined;
    const aborted =
      signal &&
      new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    try {
      return await (aborted ? Promise.race([p, aborted]) : p);
    } catch (e) {
      this.end(e);
      throw e;
    } finally {
      if (onAbort) signal!.removeEventListener('abort', onAbort);
      this.#ended = true;
    }
  }

  /** Withdraws every chunk not settled yet; they reject with `reason`. */
  end(reason: unknown): void {
    this.#ended = true;
    const ids = [...this.#ids];
    this.#ids.clear();
    this.#d.cancel(ids, reason);
  }
}

function values(r: ChunkDone): ChunkResult {
  if (r.ok) return { values: decodeValues(r.values), ms: r.ms };
  throw deserializeError(r.error);
}
