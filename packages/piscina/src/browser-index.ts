/**
 * `@sabkit/piscina` in a browser (the `browser` export condition; built by
 * scripts/build-browser.mjs): the same API as on Node, over module Web Workers.
 *
 * `filename` is a URL (string or URL object) of a module script; other differences, each for a
 * reason a browser imposes: docs/runtimes.md.
 */
import * as atomicsSync from '@sabkit/atomics-sync';
import * as typedStruct from '@sabkit/typed-struct';
import { registerModule } from './platform/browser/module.js';
import { Piscina as NodePiscina } from './piscina.js';
import type { TaskResult } from './task-types.js';

registerModule('@sabkit/atomics-sync', atomicsSync);
registerModule('@sabkit/typed-struct', typedStruct);

// biome-ignore lint/suspicious/noExplicitAny: the same type parameters as the Node class
export class Piscina<T = any, R = TaskResult<T>> extends NodePiscina<T, R> {
  constructor(options?: ConstructorParameters<typeof NodePiscina>[0]) {
    // Without SharedArrayBuffer (a page that is not cross-origin isolated): the named error that
    // says which headers make it so, before the engine allocates its first buffer.
    atomicsSync.requireSharedMemory('a pool');
    super(options);
  }
}

export * from './index.js';
export { Piscina as default };
export { registerWorkerScript, type WorkerScript } from './engine/worker-pool.browser.js';
