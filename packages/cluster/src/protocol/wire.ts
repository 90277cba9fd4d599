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
import { deserialize, serialize } from 'node:v8';
import type { TaskSpec } from '@sabkit/multiprocessing/internal';

/**
 * Version of this wire format; a worker refuses other versions with a clear error.
 * 2: arguments and results travel as V8 structured-clone bytes (base64) inside the JSON payload, so a
 * task sees what the local Pool would give it (`-0`, `undefined`, Dates, Maps, typed arrays, BigInts).
 */
export const WIRE_VERSION = 2;

/**
 * Arguments or results as one string for a JSON job: V8's serializer (structured clone's semantics,
 * the local Pool's) in base64. Only data: V8's format carries no code, and on a keyed queue the worker
 * checks the payload's signature before it decodes anything.
 */
export function encodeValues(values: readonly unknown[]): string {
  return serialize(values).toString('base64');
}

/** The inverse of encodeValues; throws on bytes that are not a V8-serialized array. */
export function decodeValues(text: string): unknown[] {
  const v: unknown = deserialize(Buffer.from(text, 'base64'));
  if (!Array.isArray(v)) throw new TypeError('the encoded values are not an array');
  return v;
}

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
  /** Arguments (one per call), or argument lists when `star`, as encodeValues gives them. */
  readonly items: string;
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
  | {
      readonly ok: true;
      /** The chunk's results, as encodeValues gives them. */
      readonly values: string;
      readonly ms: number;
      readonly worker: string;
    }
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
