/**
 * `@sabkit/piscina` in a browser (the `browser` export condition; built by
 * scripts/build-browser.mjs): the same API as on Node, over module Web Workers.
 *
 * Differences, each for a reason a browser imposes (docs/runtimes.md):
 *  - a task's argument and result travel through the shared rings only: a browser cannot receive
 *    a message synchronously, which the pool needs for what goes by MessagePort on Node. So
 *    `transferList` and `Piscina.move()` are accepted and their buffers are copied, not moved;
 *  - `filename` is a URL (string or URL object) of a module script.
 */
import * as atomicsSync from '@sabkit/atomics-sync';
import * as typedStruct from '@sabkit/typed-struct';
import { registerModule } from './platform/browser/module.js';
import { Piscina as NodePiscina } from './piscina.js';
import type { RunOptions } from './engine/run-options.js';
import { isMovable, unwrapMovable } from './transfer.js';
import type { TaskResult } from './task-types.js';

registerModule('@sabkit/atomics-sync', atomicsSync);
registerModule('@sabkit/typed-struct', typedStruct);

type Run = (this: NodePiscina, task: unknown, options?: RunOptions<never>) => Promise<unknown>;
const nodeRun = NodePiscina.prototype.run as Run;

// biome-ignore lint/suspicious/noExplicitAny: the same type parameters as the Node class
export class Piscina<T = any, R = TaskResult<T>> extends NodePiscina<T, R> {
  constructor(options?: ConstructorParameters<typeof NodePiscina>[0]) {
    // Without SharedArrayBuffer (a page that is not cross-origin isolated): the named error that
    // says which headers make it so, before the engine allocates its first buffer.
    atomicsSync.requireSharedMemory('a pool');
    super(options);
  }
}

// run() with the Node class's overloads; what it does differently: moved values are copied.
Object.defineProperty(Piscina.prototype, 'run', {
  configurable: true,
  writable: true,
  value: function run(this: NodePiscina, task: unknown, options?: RunOptions<never>): Promise<unknown> {
    const value = isMovable(task) ? unwrapMovable(task).value : task;
    const opts = options?.transferList !== undefined ? { ...options, transferList: undefined } : options;
    return nodeRun.call(this, value, opts);
  },
});

export * from './index.js';
export { Piscina as default };
export { registerWorkerScript, type WorkerScript } from './engine/worker-pool.browser.js';
