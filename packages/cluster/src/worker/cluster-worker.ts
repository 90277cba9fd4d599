/**
 * ClusterWorker: one worker machine's side (the `sabkit-worker` command runs one). It consumes a
 * BullMQ queue with a BullMQ Worker and runs each job, one chunk of a ClusterPool call, on a local
 * sabkit Pool of `threads` workers; `concurrency` bounds the chunks in flight (BullMQ's own
 * concurrency), so a process holds at most that many jobs' locks.
 *
 * Faults are BullMQ's to handle, by design: a process killed mid-chunk stops renewing its job's
 * lock, and after `lockDuration` another worker's stalled-job check moves the job back to wait, so
 * it runs again elsewhere (at-least-once). A graceful close() (SIGTERM in the command) takes no new
 * job and finishes the ones running. Redis going away pauses the Worker; ioredis reconnects.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve as resolvePath, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import { Worker, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { InvalidArgumentError, deserializeError, describe, serializeError } from '@sabkit/atomics-sync';
import { Pool, TaskModuleError, cpuCount } from '@sabkit/multiprocessing';
import type { TaskSpec } from '@sabkit/multiprocessing/internal';
import { type ClusterConnection, checkConnection, connect } from '../connection.js';
import { keyBytes, verify, type SigningKey } from '../protocol/sign.js';
import {
  WIRE_VERSION,
  WORKER_BEAT_MS,
  callerKey,
  workersKey,
  type ChunkPayload,
  type ChunkReply,
  decodeValues,
  encodeValues,
  type JobData,
  type WireTask,
  type WorkerInfo,
} from '../protocol/wire.js';
import type { RunnerChunk, RunnerReply } from './chunk-runner.js';

/** At most one progress write per job per this many ms. */
const PROGRESS_MS = 50;

const RUNNER = { filename: new URL('./chunk-runner.js', import.meta.url), name: 'runClusterChunk' };

/** `new ClusterWorker(options)`: the queue to consume, the task root, local threads and concurrency. */
export interface ClusterWorkerOptions {
  /** Redis: a redis:// or rediss:// URL, or ioredis options (password, tls, ...). */
  readonly connection: ClusterConnection;
  readonly queue: string;
  /** Module tasks ({ module: 'x.js' }) are resolved under this directory. */
  readonly root: string;
  /** Threads of the local Pool; default cpuCount(). */
  readonly threads?: number;
  /** Chunks (jobs) in flight at once; default 2 × threads, so a thread never waits on Redis. */
  readonly concurrency?: number;
  /** With a key, jobs whose HMAC does not verify are refused (SignatureError). */
  readonly key?: SigningKey;
  /** BullMQ's key prefix; default 'bull'. */
  readonly prefix?: string;
  /** BullMQ's lockDuration (ms): how long a dead worker's job stays locked; default 30000. */
  readonly lockDuration?: number;
  /** BullMQ's stalledInterval (ms): how often stalled jobs are looked for; default lockDuration. */
  readonly stalledInterval?: number;
  /** BullMQ's maxStalledCount: stalls before a job fails; default 3. */
  readonly maxStalledCount?: number;
  /** Where log lines go (rejected jobs, connection errors); default stderr. */
  readonly log?: (line: string) => void;
  /** Print a line on stdout as each job starts and ends (the command's --verbose). */
  readonly verbose?: boolean;
}

/**
 * One worker machine's side (what `sabkit-worker` runs): consumes the queue and runs each chunk on a
 * local sabkit `Pool`. `close()` takes no new job and finishes the running ones; a job that is not
 * signed with the worker's key, or names a module outside its root, fails without running.
 */
export class ClusterWorker {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  readonly #opts: ClusterWorkerOptions;
  readonly #root: string;
  readonly #threads: number;
  readonly #concurrency: number;
  readonly #key: Buffer | undefined;
  readonly #prefix: string;
  readonly #log: (line: string) => void;
  readonly #pool: Pool;
  readonly #redis: Redis;
  readonly #worker: Worker;
  readonly #workerRedis: Redis;
  readonly #channelName = `sabkit-cluster-progress-${randomBytes(6).toString('hex')}`;
  readonly #channel: BroadcastChannel;
  readonly #jobs = new Map<string, Job>();
  readonly #callersSeen = new Map<string, number>();
  readonly #progress = new Map<string, { latest: number | object | undefined; timer: ReturnType<typeof setTimeout> }>();
  readonly #beat: ReturnType<typeof setInterval>;
  #closing: Promise<void> | undefined;
  /** Jobs refused for their signature, since start. */
  rejected = 0;
  /** Chunks run to the end, since start. */
  completed = 0;

  constructor(opts: ClusterWorkerOptions) {
    if (typeof opts !== 'object' || opts === null)
      throw new InvalidArgumentError(`ClusterWorker(options): options must be an object, got ${describe(opts)}`);
    this.#opts = opts;
    const connection = checkConnection(opts.connection, 'ClusterWorker: connection');
    if (typeof opts.queue !== 'string' || opts.queue === '')
      throw new InvalidArgumentError(`ClusterWorker: queue must be a non-empty name, got ${describe(opts.queue)}`);
    if (typeof opts.root !== 'string' || !existsSync(opts.root))
      throw new InvalidArgumentError(`ClusterWorker: root must be an existing directory, got ${describe(opts.root)}`);
    this.#root = resolvePath(opts.root);
    this.#threads = positive(opts.threads ?? cpuCount(), 'threads');
    this.#concurrency = positive(opts.concurrency ?? 2 * this.#threads, 'concurrency');
    this.#key = opts.key === undefined ? undefined : keyBytes(opts.key, 'ClusterWorker: key');
    this.#prefix = opts.prefix ?? 'bull';
    this.#log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    const lockDuration = positive(opts.lockDuration ?? 30_000, 'lockDuration');
    this.#pool = new Pool({ processes: this.#threads });
    this.#channel = new BroadcastChannel(this.#channelName);
    this.#channel.onmessage = (ev) => this.#onProgress((ev as MessageEvent).data);
    this.#redis = connect(connection, `sabkit-worker:${this.id}`);
    this.#workerRedis = connect(connection, `sabkit-worker:${this.id}:bullmq`);
    this.#worker = new Worker(opts.queue, (job) => this.#process(job), {
      connection: this.#workerRedis,
      prefix: this.#prefix,
      concurrency: this.#concurrency,
      lockDuration,
      stalledInterval: positive(opts.stalledInterval ?? lockDuration, 'stalledInterval'),
      maxStalledCount: positive(opts.maxStalledCount ?? 3, 'maxStalledCount'),
      autorun: true,
    });
    let down = false;
    this.#worker.on('error', (e) => {
      if (!down) this.#log(`sabkit-worker ${this.id}: ${(e as Error)?.message ?? String(e)} (retrying)`);
      down = true;
    });
    this.#worker.on('active', () => {
      down = false;
    });
    this.#beat = setInterval(() => void this.#register().catch(() => {}), WORKER_BEAT_MS);
    void this.#register().catch(() => {});
  }

  /** Resolves once the worker is connected and taking jobs. */
  async ready(): Promise<void> {
    await this.#worker.waitUntilReady();
    await this.#register();
  }

  get threads(): number {
    return this.#threads;
  }

  get concurrency(): number {
    return this.#concurrency;
  }

  /** Graceful: takes no new job, finishes the running ones, then stops the local pool. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#beat);
      await this.#worker.close();
      this.#pool.close();
      await this.#pool.join();
      this.#channel.close();
      await this.#redis.hdel(workersKey(this.#prefix, this.#opts.queue), this.id).catch(() => {});
      this.#redis.disconnect();
      this.#workerRedis.disconnect();
    })();
    return this.#closing;
  }

  async #register(): Promise<void> {
    const info: WorkerInfo = {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      threads: this.#threads,
      concurrency: this.#concurrency,
      at: Date.now(),
    };
    const key = workersKey(this.#prefix, this.#opts.queue);
    await this.#redis.hset(key, this.id, JSON.stringify(info));
    // Entries of workers that died without closing would stay for ever: each live worker prunes
    // the ones not refreshed for a minute.
    const all = await this.#redis.hgetall(key);
    const stale = Object.entries(all)
      .filter(([, v]) => {
        try {
          return info.at - (JSON.parse(v) as WorkerInfo).at > 60_000;
        } catch {
          return false;
        }
      })
      .map(([k]) => k);
    if (stale.length > 0) await this.#redis.hdel(key, ...stale);
  }

  async #process(job: Job): Promise<ChunkReply> {
    const data = job.data as JobData;
    const id = String(job.id);
    if (this.#key !== undefined && !verify(this.#key, String(data?.payload), data?.sig)) {
      this.rejected++;
      const why = data?.sig === undefined ? 'it is not signed' : 'its signature does not verify with this key';
      const msg = `job ${id} of queue '${this.#opts.queue}' was refused by worker ${this.id}: ${why}`;
      this.#log(`sabkit-worker ${this.id}: REJECTED ${msg}`);
      throw new UnrecoverableError(`SignatureError: ${msg}`);
    }
    let p: ChunkPayload;
    try {
      p = JSON.parse(data.payload) as ChunkPayload;
    } catch (e) {
      throw new UnrecoverableError(`job ${id}: its payload is not JSON (${(e as Error).message})`);
    }
    if (p.v !== WIRE_VERSION)
      throw new UnrecoverableError(`job ${id}: wire format ${describe(p.v)}, this worker speaks ${WIRE_VERSION}`);
    if (p.id !== id) throw new UnrecoverableError(`job ${id}: its payload was made for job ${describe(p.id)}`);
    if (!(await this.#callerAlive(p.pool))) {
      if (this.#opts.verbose) process.stdout.write(`sabkit-worker ${this.id}: job ${id} skipped: its caller is gone\n`);
      return { ok: false, skipped: 'caller-gone', worker: this.id };
    }
    const fn = this.#resolve(p.fn);
    let r: RunnerReply;
    if ('error' in fn) r = { ok: false, error: serializeError(fn.error), index: -1, ms: 0 };
    else {
      this.#jobs.set(id, job);
      if (this.#opts.verbose) process.stdout.write(`sabkit-worker ${this.id}: job ${id} started\n`);
      try {
        let items: unknown[];
        try {
          items = decodeValues(p.items);
        } catch (e) {
          throw new UnrecoverableError(`job ${id}: its items cannot be decoded (${(e as Error).message})`);
        }
        const chunk: RunnerChunk = { ...p, items, fn, job: id, channel: this.#channelName };
        r = (await this.#pool.apply(RUNNER, [chunk])) as RunnerReply;
      } finally {
        this.#jobs.delete(id);
        const slot = this.#progress.get(id);
        if (slot) clearTimeout(slot.timer);
        this.#progress.delete(id);
      }
    }
    const attempts = job.opts.attempts ?? 1;
    if (!r.ok && job.attemptsMade + 1 < attempts) {
      // Retries only when the caller asked for them: BullMQ then runs the job again after its backoff.
      const e = deserializeError(r.error);
      throw e instanceof Error ? e : new Error(String(e));
    }
    this.completed++;
    if (this.#opts.verbose) process.stdout.write(`sabkit-worker ${this.id}: job ${id} done\n`);
    if (!r.ok) return { ...r, worker: this.id };
    return { ok: true, values: encodeValues(r.values), ms: r.ms, worker: this.id };
  }

  /** A module under the root as the local Pool's task spec, or the clear error that it is missing. */
  #resolve(fn: WireTask): TaskSpec | { error: Error } {
    if (fn.kind === 'inline') return fn;
    const path = resolvePath(this.#root, fn.module);
    if (path !== this.#root && !path.startsWith(this.#root + sep)) {
      return {
        error: new TaskModuleError(`the task module '${fn.module}' is outside the worker's root`, fn.module, fn.name),
      };
    }
    if (!existsSync(path)) {
      return {
        error: new TaskModuleError(
          `the task module '${fn.module}' cannot be found on worker ${this.id}: ${path} does not exist. Module ` +
            `tasks are resolved against each worker's --root (${this.#root}); the module must be installed there ` +
            `on every worker machine.`,
          fn.module,
          fn.name,
        ),
      };
    }
    return { kind: 'module', url: pathToFileURL(path).href, name: fn.name };
  }

  /** Whether the pool that sent a job still refreshes its key (cached for a second). */
  async #callerAlive(pool: string): Promise<boolean> {
    const now = Date.now();
    const seen = this.#callersSeen.get(pool);
    if (seen !== undefined && now - seen < 1000) return true;
    const alive = (await this.#redis.exists(callerKey(this.#prefix, this.#opts.queue, pool))) === 1;
    if (alive) this.#callersSeen.set(pool, now);
    if (this.#callersSeen.size > 1000) this.#callersSeen.clear();
    return alive;
  }

  /**
   * A task's reportProgress → its job's progress. Reports are coalesced per job: the first goes
   * out at once, later ones at most every PROGRESS_MS, the latest winning, so a task reporting in a
   * tight loop costs Redis a write per interval, not one per call.
   */
  #onProgress(msg: unknown): void {
    const m = msg as { job?: string; data?: unknown };
    if (m?.job === undefined || !this.#jobs.has(m.job)) return;
    const data =
      typeof m.data === 'number' || (typeof m.data === 'object' && m.data !== null) ? m.data : { value: m.data };
    const slot = this.#progress.get(m.job);
    if (slot) {
      slot.latest = data as number | object;
      return;
    }
    this.#sendProgress(m.job, data as number | object);
  }

  #sendProgress(id: string, data: number | object): void {
    const job = this.#jobs.get(id);
    if (!job) return;
    void job.updateProgress(data).catch(() => {});
    const slot: { latest: number | object | undefined; timer: ReturnType<typeof setTimeout> } = {
      latest: undefined,
      timer: setTimeout(() => {
        this.#progress.delete(id);
        if (slot.latest !== undefined) this.#sendProgress(id, slot.latest);
      }, PROGRESS_MS),
    };
    slot.timer.unref();
    this.#progress.set(id, slot);
  }
}

function positive(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new InvalidArgumentError(`ClusterWorker: ${what} must be a positive integer, got ${describe(v)}`);
  return v;
}
