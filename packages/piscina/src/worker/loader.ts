/**
 * Finds the function a task runs: imports the task module once per worker and looks up the export.
 *
 * Loading: `require()` first, as piscina does, then `import()`. Node 20.19+ and 22.12+ require ES
 * modules too (without top-level await), synchronously: measured here, a new worker's first
 * `import()` costs ~4.5 ms (the ES module loader's start-up), a `require()` of the same module
 * a fraction of that, and it is on the path of every cold pool. `import()` remains for what require
 * refuses: modules with top-level await, older Node, URLs other than file:. Either way the module
 * is the same instance a later import() gets.
 *
 * Accepted shapes (piscina's):
 *  - ESM `export default fn` / `export function name`, CJS `module.exports = fn` (the default),
 *    CJS compiled from ESM (`exports.default = fn` with `__esModule`);
 *  - a CJS function carrying the others as properties (`add.multiply = multiply;
 *    module.exports = add`), which Node's CJS export detection does not see as named exports;
 *  - an export that is a Promise of the function (piscina's "delaying availability": the worker
 *    is ready once it resolves).
 * Anything else fails with a TaskModuleError that says what was found; a failure is remembered,
 * so later tasks for the same export fail at once instead of importing again.
 */
import { createRequire } from 'node:module';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerLaunch } from '../worker-state.js';

/** A short description of a found export, for the error message. */
function describe(v: unknown): string {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function'))
    return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v);
  const ctor = (v as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/**
 * import() for the worker's modules, done by the launch script (launch.cts): code that vm.Script
 * compiled, as the published bundle is, has no import() of its own. The launch script lies in
 * this directory, so relative specifiers mean the same.
 */
export function importModule(specifier: string): Promise<unknown> {
  const launch = workerLaunch();
  if (launch === undefined)
    return Promise.reject(new Error('sabkit pool worker: started without its launch script (worker/launch.cjs)'));
  return launch.importModule(specifier);
}

/** TaskModuleError, loaded only when a module fails (the class imports all of atomics-sync). */
async function moduleError(message: string, filename: string, name: string, cause?: unknown): Promise<Error> {
  const { TaskModuleError } = (await importModule('../errors.js')) as typeof import('../errors.js');
  return new TaskModuleError(message, filename, name, cause === undefined ? undefined : { cause });
}

export type TaskFunction = (arg: unknown) => unknown;

/** Turns an absolute path or a file URL string into an import() specifier. */
export function moduleUrl(filename: string): string {
  return /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(filename) && !/^[a-zA-Z]:[\\/]/.test(filename)
    ? filename
    : pathToFileURL(filename).href;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as { then?: unknown }).then === 'function'
  );
}

/** Codes with which require() declines a module that import() can load (or report better). */
const IMPORT_INSTEAD = new Set([
  'ERR_REQUIRE_ESM',
  'ERR_REQUIRE_ASYNC_MODULE',
  'ERR_REQUIRE_CYCLE_MODULE',
  'ERR_UNKNOWN_FILE_EXTENSION',
  'MODULE_NOT_FOUND',
]);

/**
 * Whether require() of an ES module failed inside Node's own ES module loader, not in the module:
 * Node 20's require(esm) can throw `TypeError: Cannot read properties of undefined (reading
 * 'getStatus')` from `ModuleLoader.getModuleJobForRequire` in a worker whose earlier require() of
 * another ES module threw at its top level (seen with piscina-basic's "task modules that cannot be
 * used" test). require() is only the fast path for ES modules; import() then loads the module, and
 * an error of the module's own is still reported, from import().
 */
function esmLoaderFault(e: unknown): boolean {
  if (!(e instanceof TypeError)) return false;
  const frame = e.stack?.split('\n', 2)[1] ?? '';
  return frame.includes('node:internal/modules/esm/');
}

/**
 * The module at `filename` as import() would give it: an ES module's namespace, or for CommonJS
 * `{ default: module.exports, ...its own properties }`.
 */
async function loadModule(filename: string): Promise<Record<string, unknown>> {
  // An absolute path needs no URL round trip (~0.2 ms of a new worker's start).
  const absolute = isAbsolute(filename);
  const url = absolute ? '' : moduleUrl(filename);
  if (absolute || url.startsWith('file:')) {
    const path = absolute ? filename : fileURLToPath(url);
    let exports: unknown;
    let required = false;
    try {
      exports = requireFor(path)(path);
      required = true;
    } catch (e) {
      const err = e as { code?: string; requireStack?: unknown[] };
      // Not found: only the task file itself, not a module it requires (whose top level would
      // then run a second time under import() before failing the same way). requireStack holds
      // the requiring modules: just the createRequire base when the task file itself is missing.
      const nested = err?.code === 'MODULE_NOT_FOUND' && (err.requireStack?.length ?? 0) > 1;
      if (nested || !(IMPORT_INSTEAD.has(err?.code ?? '') || esmLoaderFault(e))) throw e;
    }
    if (required) {
      if (Object.prototype.toString.call(exports) === '[object Module]') return exports as Record<string, unknown>;
      const own =
        (typeof exports === 'object' || typeof exports === 'function') && exports !== null ? { ...exports } : {};
      return { ...own, default: exports };
    }
  }
  return (await importModule(url || moduleUrl(filename))) as Record<string, unknown>;
}

/** This script's own require() where there is one (the published worker is CommonJS), else one made for `path`. */
function requireFor(path: string): NodeJS.Require {
  return typeof require === 'function' ? require : createRequire(path);
}

async function lookup(mod: Record<string, unknown>, name: string): Promise<unknown> {
  let found: unknown = mod[name];
  if (isThenable(found)) found = await found;
  if (typeof found === 'function') return found;
  const def = isThenable(mod.default) ? await mod.default : mod.default;
  if (typeof def !== 'function' && (typeof def !== 'object' || def === null)) return found;
  // The default export of CommonJS compiled from an ES module is module.exports.default.
  const key = name === 'default' ? ((def as { __esModule?: unknown }).__esModule ? 'default' : undefined) : name;
  if (key === undefined) return found;
  let prop = (def as Record<string, unknown>)[key];
  if (isThenable(prop)) prop = await prop;
  return typeof prop === 'function' ? prop : found;
}

/**
 * Imports `filename` and returns its export `name` as a function, or throws TaskModuleError.
 * `loading(true)` / `loading(false)` bracket the load itself: the worker must not be terminated
 * in between (see LOADING in dispatch/layout.ts).
 */
export async function loadTaskFunction(
  filename: string,
  name: string,
  loading: (on: boolean) => void = () => {},
): Promise<TaskFunction> {
  let mod: Record<string, unknown>;
  try {
    loading(true);
    try {
      mod = await loadModule(filename);
    } finally {
      loading(false);
    }
  } catch (e) {
    const why = e instanceof Error ? `${e.name}: ${e.message}` : describe(e);
    throw await moduleError(`cannot load task module ${filename}: ${why}`, filename, name, e);
  }
  let fn: unknown;
  try {
    fn = await lookup(mod, name);
  } catch (e) {
    const why = e instanceof Error ? `${e.name}: ${e.message}` : describe(e);
    throw await moduleError(
      `task module ${filename}: its export "${name}" is a Promise that rejected: ${why}`,
      filename,
      name,
      e,
    );
  }
  if (typeof fn !== 'function') {
    const names = Object.keys(mod).filter((k) => k !== '__esModule');
    throw await moduleError(
      `task module ${filename} has no function export named "${name}" (found ${describe(fn)}; its exports: ` +
        `${names.length ? names.join(', ') : 'none'})`,
      filename,
      name,
    );
  }
  return fn as TaskFunction;
}
