/**
 * Pipe: Python's `multiprocessing.Pipe(duplex=True)` on shared memory. Pipe() sizes the region
 * (pipeByteLength), initialises its header and its one or two record rings (ring.ts), and returns
 * the two Connections (connection.ts, which draws the layout and holds the Connection class).
 *
 * Layout (pipeByteLength(duplex, capacity) bytes, PIPE_ALIGNMENT = 8): see connection.ts.
 *
 * Layout: docs/layouts/pipe.md
 */
import { InvalidArgumentError, describe } from '../errors.js';
import { assertOwnerIdFits } from '../sync/lock-core.js';
import { RING_HEADER_BYTES, initRing } from './ring.js';
import { ringCapacity } from './ring-ops.js';
import { type SharedRegion, allocateRegion, attachNew } from '../runtime/shared.js';
import {
  CONNECTION_ATTACH,
  Connection,
  PIPE_ALIGNMENT,
  PIPE_HEADER_BYTES,
  PIPE_MAGIC,
  P_DUPLEX,
  P_MAGIC,
} from './connection.js';

export { Connection, type ConnectionDescriptor } from './connection.js';

/** Default bytes per direction (a Linux pipe's default buffer); larger messages travel in chunks. */
export const DEFAULT_PIPE_CAPACITY = 64 * 1024;

/** Options of Pipe(). */
export interface PipeOptions extends SharedRegion {
  /** Bytes of each direction's ring (rounded up to a power of two, 64 .. 2^28). Default 64 KiB. */
  readonly capacityBytes?: number;
}

/** Bytes a pipe occupies. */
export function pipeByteLength(duplex = true, capacityBytes: number = DEFAULT_PIPE_CAPACITY): number {
  const cap = ringCapacity(capacityBytes, DEFAULT_PIPE_CAPACITY, 'pipeByteLength');
  return PIPE_HEADER_BYTES + (duplex ? 2 : 1) * (RING_HEADER_BYTES + cap);
}

/**
 * Python's `multiprocessing.Pipe(duplex)`: two connected Connections. Duplex: both can send and
 * receive. One-way (duplex false): the first can only receive, the second can only send.
 */
export function Pipe(duplex: boolean = true, options?: PipeOptions): [Connection, Connection] {
  if (typeof duplex !== 'boolean')
    throw new InvalidArgumentError(`Pipe: duplex must be a boolean, got ${describe(duplex)}`);
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new InvalidArgumentError(
      'Pipe: options must be an object ({ capacityBytes?, buffer?, byteOffset? }) or undefined, ' +
        `got ${describe(options)}`,
    );
  }
  const cap = ringCapacity(options?.capacityBytes, DEFAULT_PIPE_CAPACITY, 'Pipe');
  assertOwnerIdFits('Pipe');
  const { buffer, byteOffset } = allocateRegion('Pipe', pipeByteLength(duplex, cap), PIPE_ALIGNMENT, options);
  const i32 = new Int32Array(buffer);
  const b = byteOffset >> 2;
  for (let i = 0; i < PIPE_HEADER_BYTES / 4; i++) Atomics.store(i32, b + i, 0);
  initRing(i32, (byteOffset + PIPE_HEADER_BYTES) >> 2, cap, 0);
  if (duplex) initRing(i32, (byteOffset + PIPE_HEADER_BYTES + RING_HEADER_BYTES + cap) >> 2, cap, 0);
  Atomics.store(i32, b + P_DUPLEX, duplex ? 1 : 0);
  Atomics.store(i32, b + P_MAGIC, PIPE_MAGIC);
  return [
    attachNew(Connection, { buffer, byteOffset, end: 0 }, CONNECTION_ATTACH),
    attachNew(Connection, { buffer, byteOffset, end: 1 }, CONNECTION_ATTACH),
  ];
}

/** Required alignment of a pipe's byteOffset in a caller's buffer. */
Pipe.ALIGNMENT = PIPE_ALIGNMENT;
/** Bytes a pipe occupies (for placing it in your own buffer): pipeByteLength. */
Pipe.byteLength = pipeByteLength;
