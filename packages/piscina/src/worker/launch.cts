/**
 * The script a pool worker starts with. It loads the worker entry, compiled with V8's code cache
 * when it can.
 *
 * Why: a new worker compiles the entry bundle and every function on the first task's path for the
 * first time, and that is about a third of what a cold pool pays over two raw `new Worker` calls
 * (measured here: ~1-1.5 ms of the new pool -> first result path). So the first worker of a process
 * hands the main thread a code cache once it has run its first task (`createCodeCache()` below,
 * called from entry.ts), and main gives it to every worker it starts after that: they skip the
 * compilation. This is what Node's own compile cache does for CommonJS (`module.enableCompileCache`,
 * Node 22.1+, on disk). Here the cache is kept in memory and nothing is written to disk. V8 checks
 * each cache against the source, its own version and its flags. A cache that does not match is
 * rejected, and the script compiles as usual.
 *
 * Two builds:
 *  - published (dist/): the entry is one CommonJS bundle, `entry.cjs` (scripts/bundle-worker.mjs).
 *    It is compiled here through vm.Script, with Node's CommonJS wrapper.
 *  - unbundled (the tests' build): the entry is the ES module `entry.js`, imported as it is. There
 *    is no code cache for it.
 *
 * Code compiled through vm.Script cannot call import() without --experimental-vm-modules on
 * Node 20. The stable `vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER` prints an ExperimentalWarning
 * on Node 20 in every worker. So the bundle has no import() of its own: it imports through
 * `importModule` here, a real CommonJS module's import(). It sits in the entry's directory, so
 * relative specifiers resolve the same.
 *
 * CommonJS (`.cts`), so that the bundle can be run with this script's own `require`, as Node
 * would run it.
 */
import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');
import workerThreads = require('node:worker_threads');

/** globalThis key under which this script leaves a WorkerLaunch for the entry (src/worker-state.ts's LAUNCH_KEY). */
const LAUNCH_KEY = Symbol.for('sabkit.piscina.launch.v1');
/** The environment-data key of the worker's start-up record (src/worker-state.ts's INIT_ENV_KEY). */
const INIT_ENV_KEY = 'sabkit:piscina:init:v1';

/** What became of the code cache main gave this worker (src/worker-state.ts's CodeCacheStatus). */
type CodeCacheStatus = 'none' | 'accepted' | 'rejected' | 'unbundled';

const bundle = path.join(__dirname, 'entry.cjs');
const launch: {
  importModule(specifier: string): Promise<unknown>;
  require(specifier: string): unknown;
  createCodeCache(): Uint8Array | undefined;
  codeCache: CodeCacheStatus;
} = {
  importModule: (specifier) => import(specifier),
  require: (specifier) => require(specifier),
  createCodeCache: () => undefined,
  codeCache: 'unbundled',
};
(globalThis as Record<symbol, unknown>)[LAUNCH_KEY] = launch;

if (fs.existsSync(bundle)) {
  const init = workerThreads.getEnvironmentData(INIT_ENV_KEY) as { codeCache?: Uint8Array } | undefined;
  const cachedData = init?.codeCache;
  // Node's CommonJS wrapper, on a line of its own: lineOffset -1 keeps stack traces' line numbers.
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {\n${fs.readFileSync(bundle, 'utf8')}\n})`,
    {
      filename: bundle,
      lineOffset: -1,
      cachedData,
    },
  );
  launch.codeCache = cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'accepted';
  // After the first task, the cache also holds every function compiled lazily on its way.
  launch.createCodeCache = () => script.createCachedData();
  const mod = { exports: {} };
  (script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void)(
    mod.exports,
    require,
    mod,
    bundle,
    __dirname,
  );
} else {
  void import('./entry.js');
}
