/**
 * thread-start.ts in the browser: no early starts. A page's Web Workers are started by
 * worker-pool.browser.ts from the engine, which the browser bundle holds from the start (there is
 * no lazily loaded engine to overlap with).
 */
import type { PoolMode } from './modes.js';
import type { FilledOptions } from './options.js';

export { fillOptions, ownProperties } from './options.js';

/** Never made in the browser (see above). */
export type StartedThread = never;

export interface FirstWorkers {
  readonly poolBuffer: SharedArrayBuffer;
  readonly started: StartedThread[];
}

/** No early starts (see above); nor a SharedArrayBuffer, which a page that is not cross-origin isolated lacks. */
export function startFirstWorkers(_options: FilledOptions, _mode: PoolMode): FirstWorkers | undefined {
  return undefined;
}

export function abandonThreads(_first: FirstWorkers | undefined): void {}
