/**
 * The module a Pool points its engine's `filename` at: the pool's worker side (runner-impl.ts)
 * behind two small functions, runChunk and runLoop.
 *
 * The engine loads this module before its worker reports ready, so it stays small: the
 * implementation, which needs the whole of @sabkit/atomics-sync (revive, the error classes) and the
 * manager's proxies, starts loading here in the background, alongside the engine's own background
 * load of the same package, and the first task waits for it. A pool is ready sooner, and the first
 * result costs no more than it would otherwise.
 */
import type { ChunkTask } from './runner-protocol.js';
import type { LoopChunk } from '../parallel/parallel-chunk.js';
import { holdEventLoop } from '@sabkit/piscina/internal';

type Impl = typeof import('./runner-impl.js');

let impl: Impl | undefined;
const loading: Promise<Impl> = import('./runner-impl.js').then((m) => (impl = m));
// A failure to load surfaces in every task (as the engine reports a failing task module).
loading.catch(() => {});
// The initializer runs when the implementation loads, at the worker's start as in Python, also if
// no task comes: an idle worker must not freeze its event loop before then.
holdEventLoop(loading.then((m) => m.initialized));

/** Runs one chunk of a Pool call (runner-impl.ts). */
export function runChunk(task: ChunkTask): unknown {
  return impl ? impl.runChunk(task) : loading.then((m) => m.runChunk(task));
}

/** Runs one chunk of a parallel loop (parallel-chunk.ts). */
export function runLoop(task: LoopChunk): unknown {
  return impl ? impl.runLoop(task) : loading.then((m) => m.runLoop(task));
}
