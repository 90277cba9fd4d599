/**
 * thread-start.ts in the browser: no early starts. A page's Web Workers are started by
 * worker-pool.browser.ts from the engine, which the browser bundle holds from the start (there is
 * no lazily loaded engine to overlap with).
 */
import { POOL_BYTES } from '../dispatch/layout.js';
import type { PoolMode } from './modes.js';
import type { FilledOptions } from './options.js';

/** Never made in the browser (see above). */
export type StartedThread = never;

export interface FirstWorkers {
  readonly poolBuffer: SharedArrayBuffer;
  readonly started: StartedThread[];
}

export function startFirstWorkers(_options: FilledOptions, _mode: PoolMode): FirstWorkers {
  return { poolBuffer: new SharedArrayBuffer(POOL_BYTES), started: [] };
}

export function abandonThreads(_first: FirstWorkers): void {}
