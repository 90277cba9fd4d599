/**
 * What travels through Redis between a ClusterPool (the caller) and `sabkit-worker` processes.
 *
 *   caller ──Queue.add──▶ bull:<queue>:wait ──▶ BullMQ Worker (sabkit-worker) ──▶ local sabkit Pool
 *      ▲                                                  │ return value = ChunkReply
 *      └──── QueueEvents 'completed' / 'failed' / 'progress' (the queue's events stream) ◀─┘
 *
 * A job is one chunk. Its data is `JobData`: the chunk as a JSON string (`payload`) and, when the
 * pool has a key, the HMAC of exactly that string (`sig`), so a worker checks the bytes it will
 * parse, never a re-serialisation. Job ids are `<poolId>.<callId>.<chunk>`: unique per chunk, so the
 * caller drops a second completion of the same chunk (at-least-once delivery, exactly-once results).
 */
import type { TaskSpec } from '@sabkit/multiprocessing/internal';

/** Version of this wire format; a worker refuses other versions with a clear error. */
export const WIRE_VERSION = 1;

/** A task as the worker resolves it: inline source, or a module under the worker's root. */
export type WireTask =
  | Extract<TaskSpec, { kind: 'inline' }>
  | { readonly kind: 'root'; readonly module: string; readonly name: string };

/** One chunk of a call, JSON-encoded into JobData.payload. */
export interface ChunkPayload {
  readonly v: typeof WIRE_VERSION;
  /** The job id this payload was made for: a signed payload cannot be replayed under another id. */
  readonly id: string;
  /** The caller's pool id: workers skip chunks whose caller's heartbeat key is gone. */
  readonly pool: string;
  readonly fn: WireTask;
  /** Arguments (one per call), or argument lists when `star`. */
  readonly items: unknown[];
  readonly star: boolean;
  /** The method that made the chunk and its first item's position, for error messages. */
  readonly method: string;
  readonly offset: number;
}

export interface JobData {
  readonly payload: string;
  readonly sig?: string;
}

/** A job's return value. */
export type ChunkReply =
  | { readonly ok: true; readonly values: unknown[]; readonly ms: number; readonly worker: string }
  | {
      readonly ok: false;
      /** A serialized error (atomics-sync's serializeError). */
      readonly error: unknown;
      /** Position in the chunk of the item that failed (-1: the chunk as a whole). */
      readonly index: number;
      readonly ms: number;
      readonly worker: string;
    }
  | { readonly ok: false; readonly skipped: 'caller-gone'; readonly worker: string };

/** Redis keys of the cluster's own bookkeeping, beside BullMQ's under the same prefix. */
export function callerKey(prefix: string, queue: string, poolId: string): string {
  return `${prefix}:${queue}:sabkit:caller:${poolId}`;
}

/** Hash of live workers: field = worker id, value = JSON WorkerInfo. */
export function workersKey(prefix: string, queue: string): string {
  return `${prefix}:${queue}:sabkit:workers`;
}

export interface WorkerInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly threads: number;
  readonly concurrency: number;
  /** ms since the epoch, refreshed every WORKER_BEAT_MS; entries older than 3 beats are dead. */
  readonly at: number;
}

export const WORKER_BEAT_MS = 5_000;
/** The caller refreshes its key every CALLER_TTL_MS / 3. */
export const CALLER_TTL_MS = 30_000;
