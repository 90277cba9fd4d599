/**
 * The caller's link to the queue: sends chunks as BullMQ jobs and settles each chunk once, from the
 * queue's events stream (QueueEvents: 'completed' carries the job's return value).
 *
 * Exactly-once results over at-least-once runs: every chunk has its own job id, and a chunk
 * settles the first time a completion for it arrives; a later one (a chunk run again after its
 * worker died, or sent again below) is counted in `stats.duplicates` and dropped.
 *
 * Nothing is lost when Redis goes away: the events are read from a stream by position, so after a
 * reconnection the reader goes on where it stopped; and every few seconds the chunks that have not
 * been heard of for a while are looked up, and one whose job is gone (Redis restarted without its
 * data, or its completion trimmed from the stream before it was read) is sent again.
 *
 * The caller keeps a key alive in Redis (CALLER_TTL_MS) while it runs; workers skip the chunks of
 * a caller whose key is gone, so a caller that went away leaves no worker busy for it.
 */
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { type ClusterConnection, connect } from '../connection.js';
import { JobFailedError, SignatureError } from '../errors.js';
import { sign } from '../protocol/sign.js';
import {
  WIRE_VERSION,
  callerKey,
  workersKey,
  type ChunkPayload,
  type ChunkReply,
  encodeValues,
  type JobData,
  type WireTask,
  type WorkerInfo,
} from '../protocol/wire.js';

/** What a settled chunk gives its call. */
export type ChunkDone = Extract<ChunkReply, { ok: true }> | Extract<ChunkReply, { index: number }>;

export interface ChunkSpec {
  readonly fn: WireTask;
  readonly items: unknown[];
  readonly star: boolean;
  readonly method: string;
  readonly offset: number;
}

export interface DispatcherOptions {
  readonly connection: ClusterConnection;
  readonly queue: string;
  readonly prefix: string;
  readonly key: Buffer | undefined;
  readonly jobOptions: Pick<JobsOptions, 'attempts' | 'backoff'>;
  /** Lifetime of the caller's key (ms), refreshed every third of it. */
  readonly callerTtl: number;
}

interface Pending {
  readonly data: JobData;
  readonly resolve: (r: ChunkDone) => void;
  readonly reject: (e: unknown) => void;
  readonly onProgress: ((data: unknown, jobId: string) => void) | undefined;
  lastSeen: number;
}

const RECONCILE_MS = 5_000;
const QUIET_MS = 10_000;
const RECONCILE_BATCH = 200;

export class Dispatcher {
  readonly poolId = randomBytes(8).toString('hex');
  readonly stats = { sent: 0, settled: 0, duplicates: 0, resent: 0, skipped: 0 };
  readonly #opts: DispatcherOptions;
  readonly #redis: Redis;
  readonly #queue: Queue;
  #events: QueueEvents | undefined;
  #eventsRedis: Redis | undefined;
  readonly #pending = new Map<string, Pending>();
  #calls = 0;
  #started: Promise<void> | undefined;
  #timers: ReturnType<typeof setInterval>[] = [];
  #closed = false;

  constructor(opts: DispatcherOptions) {
    this.#opts = opts;
    this.#redis = connect(opts.connection, `sabkit-cluster:${this.poolId}`);
    this.#queue = new Queue(opts.queue, {
      connection: this.#redis,
      prefix: opts.prefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
    });
    this.#queue.on('error', () => {});
  }

  /** Connects, sets the caller's key and starts reading events; once. */
  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    await this.#beat();
    // Events are read from the server's clock now on, so none of this pool's can be missed.
    const [s, us] = await this.#redis.time();
    const lastEventId = `${Number(s) * 1000 + Math.floor(Number(us) / 1000) - 1}-0`;
    this.#eventsRedis = connect(this.#opts.connection, `sabkit-cluster:${this.poolId}:events`);
    const events = new QueueEvents(this.#opts.queue, {
      connection: this.#eventsRedis,
      prefix: this.#opts.prefix,
      lastEventId,
      autorun: true,
    });
    events.on('error', () => {});
    events.on('completed', ({ jobId, returnvalue }) => this.#completed(jobId, returnvalue as unknown as ChunkReply));
    events.on('failed', ({ jobId, failedReason }) => this.#failed(jobId, failedReason));
    events.on('progress', ({ jobId, data }) => this.#progress(jobId, data));
    events.on('active', ({ jobId }) => this.#seen(jobId));
    this.#events = events;
    await events.waitUntilReady();
    const beat = setInterval(() => void this.#beat().catch(() => {}), this.#opts.callerTtl / 3);
    const check = setInterval(() => void this.#reconcile().catch(() => {}), RECONCILE_MS);
    beat.unref();
    check.unref();
    this.#timers = [beat, check];
  }

  #beat(): Promise<unknown> {
    return this.#redis.set(
      callerKey(this.#opts.prefix, this.#opts.queue, this.poolId),
      '1',
      'PX',
      this.#opts.callerTtl,
    );
  }

  /** A fresh call id: job ids are `<poolId>.<call>.<chunk>`. */
  newCall(): string {
    return `${this.poolId}.${++this.#calls}`;
  }

  /** Chunks in flight or queued, over all live workers (at least 1). */
  async slots(): Promise<number> {
    const all = await this.#redis.hgetall(workersKey(this.#opts.prefix, this.#opts.queue));
    const now = Date.now();
    let n = 0;
    for (const v of Object.values(all)) {
      try {
        const w = JSON.parse(v) as WorkerInfo;
        if (now - w.at < 15_000) n += w.concurrency;
      } catch {
        // Not ours; ignore.
      }
    }
    return Math.max(1, n);
  }

  /**
   * Sends chunks of one call (ids `<call>.<index>`), in one round trip; each promise settles once,
   * with the worker's reply, or rejects with a JobFailedError / SignatureError.
   */
  send(
    call: string,
    first: number,
    chunks: readonly ChunkSpec[],
    onProgress?: (data: unknown, jobId: string) => void,
  ): Promise<ChunkDone>[] {
    const jobs: { name: string; data: JobData; opts: JobsOptions }[] = [];
    const out: Promise<ChunkDone>[] = [];
    chunks.forEach((c, k) => {
      const id = `${call}.${first + k}`;
      const body: ChunkPayload = { v: WIRE_VERSION, id, pool: this.poolId, ...c, items: encodeValues(c.items) };
      const payload = JSON.stringify(body);
      const data: JobData = this.#opts.key ? { payload, sig: sign(this.#opts.key, payload) } : { payload };
      jobs.push({ name: c.method, data, opts: { jobId: id, ...this.#opts.jobOptions } });
      out.push(
        new Promise<ChunkDone>((resolve, reject) => {
          this.#pending.set(id, { data, resolve, reject, onProgress, lastSeen: Date.now() });
        }),
      );
    });
    this.stats.sent += jobs.length;
    this.#queue.addBulk(jobs).catch((e: unknown) => {
      for (const j of jobs) this.#settle(String(j.opts.jobId), undefined, e);
    });
    return out;
  }

  /** Forgets the given chunks (their results are dropped) and removes those still waiting. */
  cancel(ids: Iterable<string>, reason: unknown): void {
    for (const id of ids) {
      const p = this.#pending.get(id);
      if (!p) continue;
      this.#pending.delete(id);
      p.reject(reason);
      // An active job cannot be removed (its worker holds the lock): it runs and its result is dropped.
      this.#queue.remove(id).catch(() => {});
    }
  }

  /** Chunks sent and not settled. */
  get inFlight(): number {
    return this.#pending.size;
  }

  #settle(id: string, reply: ChunkDone | undefined, error?: unknown): void {
    const p = this.#pending.get(id);
    if (!p) {
      if (id.startsWith(`${this.poolId}.`)) this.stats.duplicates++;
      return;
    }
    this.#pending.delete(id);
    this.stats.settled++;
    if (reply !== undefined) p.resolve(reply);
    else p.reject(error);
  }

  #completed(id: string, reply: ChunkReply): void {
    if (!id.startsWith(`${this.poolId}.`)) return;
    if (reply && 'skipped' in reply) {
      // The worker found this pool's key gone (Redis lost it, or it expired): set it, send again.
      this.stats.skipped++;
      void this.#beat()
        .then(() => this.#resend(id))
        .catch(() => {});
      return;
    }
    this.#settle(id, reply as ChunkDone);
  }

  #failed(id: string, reason: string): void {
    if (!id.startsWith(`${this.poolId}.`)) return;
    const e = reason.startsWith('SignatureError: ')
      ? new SignatureError(reason.slice('SignatureError: '.length))
      : new JobFailedError(`chunk ${id} failed in the queue: ${reason}`, id);
    this.#settle(id, undefined, e);
  }

  #progress(id: string, data: unknown): void {
    const p = this.#pending.get(id);
    if (!p) return;
    p.lastSeen = Date.now();
    p.onProgress?.(data, id);
  }

  #seen(id: string): void {
    const p = this.#pending.get(id);
    if (p) p.lastSeen = Date.now();
  }

  async #resend(id: string): Promise<void> {
    const p = this.#pending.get(id);
    if (!p || this.#closed) return;
    p.lastSeen = Date.now();
    this.stats.resent++;
    const name = (JSON.parse(p.data.payload) as ChunkPayload).method;
    await this.#queue.add(name, p.data, { jobId: id, ...this.#opts.jobOptions });
  }

  /** Looks up chunks not heard of for QUIET_MS; sends again those whose job is gone. */
  async #reconcile(): Promise<void> {
    const now = Date.now();
    const quiet = [...this.#pending].filter(([, p]) => now - p.lastSeen > QUIET_MS).slice(0, RECONCILE_BATCH);
    for (const [id, p] of quiet) {
      const state = await this.#queue.getJobState(id);
      if (state === 'unknown') await this.#resend(id);
      else p.lastSeen = Date.now();
    }
  }

  /**
   * Stops reading events, removes the caller's key, closes the connections. Each step is bounded
   * (CLOSE_STEP_MS): with Redis unreachable, requests wait for ever, and closing must not.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    const started = this.#started;
    if (started && (await bounded(started.then(() => true)))) {
      await bounded(this.#redis.del(callerKey(this.#opts.prefix, this.#opts.queue, this.poolId)));
    }
    await bounded(this.#events?.close());
    await bounded(this.#queue.close());
    // BullMQ leaves connections it was given open: they are ours to end.
    this.#eventsRedis?.disconnect();
    this.#redis.disconnect();
    started?.catch(() => {});
  }
}

const CLOSE_STEP_MS = 2_000;

/** `p`'s value, or undefined once CLOSE_STEP_MS have passed or if it fails. */
async function bounded<T>(p: Promise<T> | undefined): Promise<T | undefined> {
  if (p === undefined) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), CLOSE_STEP_MS)));
  try {
    return await Promise.race([p.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}
