/** The options of ClusterPool and its methods, apart from the class as the local Pool's are. */
import type { ResultCallbacks } from '@sabkit/multiprocessing';
import type { ClusterConnection } from '../connection.js';
import type { SigningKey } from '../protocol/sign.js';

/** `new ClusterPool(options)`: where the queue is, how jobs are signed and retried (times in ms). */
export interface ClusterPoolOptions {
  /** Redis: a redis:// or rediss:// URL (password and TLS included), or ioredis options. */
  readonly connection: ClusterConnection;
  /** The BullMQ queue the workers consume (`sabkit-worker --queue NAME`). */
  readonly queue: string;
  /** Signs every job (HMAC-SHA256); workers started with the same key refuse anything else. */
  readonly key?: SigningKey;
  /** BullMQ's key prefix; default 'bull'. */
  readonly prefix?: string;
  /** Runs of a chunk whose task throws, before its error is final; default 1 (no retry). */
  readonly attempts?: number;
  /** Wait between those runs: BullMQ's backoff, e.g. { type: 'exponential', delay: 500 }. */
  readonly backoff?: number | { readonly type: 'fixed' | 'exponential'; readonly delay?: number };
  /**
   * How long (ms) the pool's key in Redis outlives the pool's last refresh; default 30000. When a
   * caller goes away without closing, workers skip its chunks once the key has expired.
   */
  readonly callerTtl?: number;
  /** imap / imapUnordered: chunks submitted and not yet consumed, at most; default 16. */
  readonly maxChunksInFlight?: number;
}

/** Progress of a chunk: what a task passed to reportProgress, and which chunk it came from. */
export type ProgressCallback = (data: unknown, info: { readonly jobId: string; readonly offset: number }) => void;

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the call: it rejects with signal.reason and its chunks still waiting are removed. */
  readonly signal?: AbortSignal;
  /** Called with each reportProgress(...) of the call's tasks (coalesced, latest first). */
  readonly onProgress?: ProgressCallback;
}

export interface ApplyOptions<R> extends CallOptions, ResultCallbacks<R> {}

export interface ClusterMapOptions extends CallOptions {
  /**
   * Items per job. Default: measured, as the first chunks (a few items each) come back, so that
   * one job carries about TARGET_CHUNK_MS of work, and capped so every worker gets a share.
   */
  readonly chunksize?: number;
}

export interface ClusterMapAsyncOptions<R> extends ClusterMapOptions, ResultCallbacks<R> {}

export interface ClusterImapOptions extends CallOptions {
  /** Items per job; default 1, as Python's imap (pass more for short tasks). */
  readonly chunksize?: number;
  readonly maxChunksInFlight?: number;
}
