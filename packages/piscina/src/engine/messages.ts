/**
 * The few messages the pool exchanges over a worker's built-in port (worker.postMessage /
 * parentPort), apart from the rings: the hand-off of the payload MessagePort, "ready", and the
 * worker entry's code cache. They are tagged so that everything else a task posts with
 * parentPort.postMessage() reaches the pool's 'message' event untouched, as in piscina.
 */

/** main -> worker, right after the worker is created: `{ [PORT_MESSAGE]: true, port }`. */
export const PORT_MESSAGE = '__sabkitPiscinaPort';
/** worker -> main, once the default task module is loaded: `{ [READY_MESSAGE]: true }`. */
export const READY_MESSAGE = '__sabkitPiscinaReady';
/** worker -> main, from the worker asked for it: `{ [CODE_CACHE_MESSAGE]: true, data }` (code-cache.ts). */
export const CODE_CACHE_MESSAGE = '__sabkitPiscinaCodeCache';

export function isInternalMessage(msg: unknown, tag: string): msg is Record<string, unknown> {
  return typeof msg === 'object' && msg !== null && (msg as Record<string, unknown>)[tag] === true;
}
