/**
 * Finds the function a task runs: imports the task module once per worker and looks up the export.
 *
 * Accepted shapes (piscina's, all through `import()`, which loads ESM and CommonJS alike):
 *  - ESM `export default fn` / `export function name`, CJS `module.exports = fn` (the default);
 *  - a CJS function carrying the others as properties (`add.multiply = multiply;
 *    module.exports = add`), which Node's CJS export detection does not see as named exports;
 *  - an export that is a Promise of the function (piscina's "delaying availability": the worker
 *    is ready once it resolves).
 * Anything else fails with a TaskModuleError that says what was found; a failure is remembered,
 * so later tasks for the same export fail at once instead of importing again.
 */
import { pathToFileURL } from 'node:url';

/** A short description of a found export, for the error message. */
function describe(v: unknown): string {
  if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : String(v);
  const ctor = (v as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/** TaskModuleError, loaded only when a module fails (the class imports all of atomics-sync). */
async function moduleError(message: string, filename: string, name: string, cause?: unknown): Promise<Error> {
  const { TaskModuleError } = await import('../errors.js');
  return new TaskModuleError(message, filename, name, cause === undefined ? undefined : { cause });
}

export type TaskFunction = (arg: unknown) => unknown;

/** Turns an absolute path or a file URL string into an import() specifier. */
export function moduleUrl(filename: string): string {
  return /^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(filename) && !/^[a-zA-Z]:[\\/]/.test(filename) ? filename : pathToFileURL(filename).href;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

async function lookup(mod: Record<string, unknown>, name: string): Promise<unknown> {
  let found: unknown = mod[name];
  if (isThenable(found)) found = await found;
  if (typeof found === 'function') return found;
  const def = isThenable(mod.default) ? await mod.default : mod.default;
  if (name !== 'default' && (typeof def === 'function' || (typeof def === 'object' && def !== null))) {
    let prop = (def as Record<string, unknown>)[name];
    if (isThenable(prop)) prop = await prop;
    if (typeof prop === 'function') return prop;
  }
  return found;
}

/** Imports `filename` and returns its export `name` as a function, or throws TaskModuleError. */
export async function loadTaskFunction(filename: string, name: string): Promise<TaskFunction> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(moduleUrl(filename))) as Record<string, unknown>;
  } catch (e) {
    const why = e instanceof Error ? `${e.name}: ${e.message}` : describe(e);
    throw await moduleError(`cannot load task module ${filename}: ${why}`, filename, name, e);
  }
  let fn: unknown;
  try {
    fn = await lookup(mod, name);
  } catch (e) {
    const why = e instanceof Error ? `${e.name}: ${e.message}` : describe(e);
    throw await moduleError(`task module ${filename}: its export "${name}" is a Promise that rejected: ${why}`, filename, name, e);
  }
  if (typeof fn !== 'function') {
    const names = Object.keys(mod).filter((k) => k !== '__esModule');
    throw await moduleError(`task module ${filename} has no function export named "${name}" (found ${describe(fn)}; its exports: ${names.length ? names.join(', ') : 'none'})`, filename, name);
  }
  return fn as TaskFunction;
}
