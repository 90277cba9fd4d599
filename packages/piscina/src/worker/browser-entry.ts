/**
 * The pool worker in a browser: a module Web Worker's script calls startBrowserWorker() (the
 * pool's own script, browser-worker.ts, does nothing else; @sabkit/multiprocessing's adds its
 * Pool's task module). It waits for the start message (environment data: the start-up record;
 * platform/browser/worker-threads.ts), then loads the same entry as a Node worker (entry.ts), which
 * reports ready and runs the task loop: requests are read from the ring, the worker blocks in
 * Atomics.wait while idle (allowed in a Web Worker), results go back through the response ring.
 *
 * The launch script's importModule and require (launch.cts on Node) are given here: the sabkit packages and the
 * pool's errors are the modules this script bundles (imported up front: a browser cannot load a
 * bare package name at run time), `builtin` task modules are those the caller bundled, and any
 * other specifier (a task module's URL) is loaded with import().
 */
import * as atomicsSync from '@sabkit/atomics-sync';
import * as typedStruct from '@sabkit/typed-struct';
import { workerStarted } from '../platform/browser/worker-threads.js';

/** Resolves once this Web Worker has its start message (workerData, environment data, thread id). */
export { workerStarted };
import { registerModule } from '../platform/browser/module.js';
import * as errors from '../errors.js';
import { LAUNCH_KEY, type WorkerLaunch } from '../worker-state.js';

/** Task modules bundled into the worker's script: filename -> loader. */
export type BuiltinTaskModules = Readonly<Record<string, () => Promise<unknown>>>;

/**
 * Runs this module Web Worker as a pool worker: waits for the pool's start message, then loads the
 * worker entry and its task loop. `builtin` maps a task module's filename to a loader for a module
 * the worker script bundles; any other filename is loaded with import(). Resolves once the start
 * message has come and the entry is loaded (the task loop then runs on its own).
 */
export function startBrowserWorker(builtin: BuiltinTaskModules = {}): Promise<void> {
  const known: Record<string, unknown> = {
    '@sabkit/atomics-sync': atomicsSync,
    '@sabkit/typed-struct': typedStruct,
    '../errors.js': errors,
  };
  for (const [id, mod] of Object.entries(known)) registerModule(id, mod);
  const launch: WorkerLaunch = {
    importModule: (specifier) => {
      if (specifier in known) return Promise.resolve(known[specifier]);
      const load = builtin[specifier];
      if (load !== undefined) return load();
      return import(/* @vite-ignore */ specifier);
    },
    require: (specifier) => {
      if (specifier in known) return known[specifier];
      throw new Error(`sabkit pool worker (browser): cannot require ${specifier}; only the bundled modules`);
    },
    createCodeCache: () => undefined,
    codeCache: 'unbundled',
    diskCache: 'unbundled',
    saveDiskCache: undefined,
  };
  (globalThis as Record<symbol, unknown>)[LAUNCH_KEY] = launch;
  return workerStarted().then(() => import('./entry.js').then(() => {}));
}
