/**
 * Task functions for Pool, Process and the parallel loops: what the caller passes, what travels
 * to the worker, and how the worker turns it back into a function.
 *
 * A task is either
 *  - a module export: `{ filename, name }` (filename an absolute path, a file URL or a URL string;
 *    name defaults to 'default'), or the string form `'file:///abs/mod.js#name'`. The worker
 *    imports the module, as Python's children import the module that defines the function;
 *  - an inline function: its source text is sent and compiled once per worker (cached by source
 *    text). This is what Python cannot do, and it has one rule: the function may use only its
 *    parameters, its own local variables and the worker's globals. It cannot close over variables
 *    of the code that defined it, nor use that code's `this`, `arguments`, `super` or
 *    `import.meta`. Breaking the rule fails at once with an InlineFunctionError that says so, on the
 *    caller's side, before anything is sent or runs (as Python refuses to pickle a closure):
 *      - built-in and bound functions (no source) and classes;
 *      - `this` / `arguments` / `super` / `import.meta`, found by a lexical scan (inline-scan.ts);
 *      - closures: a free name of the source (inline-free.ts) that is not a global of the worker.
 *    The free-name analysis declines where it is not certain (it must never refuse a valid
 *    function), so the worker keeps a backstop: a ReferenceError thrown from the compiled source
 *    is turned into the same explanation. A closed-over name that the worker also has as a global
 *    (say `crypto`) is caught by neither; docs/multiprocessing.md lists the trade-offs.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute } from 'node:path';
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';
import { InlineFunctionError } from '../errors.js';
import { TaskModuleError } from '@sabkit/piscina/internal';
import { findForbiddenUses } from './inline-scan.js';
import { findFreeNames } from './inline-free.js';
import { MODULE_URL, MODULE_URL_RULE } from './module-urls.js';

/** A module export used as a task. */
export interface ModuleTask {
  /** Absolute path, file URL, or file URL string of the module. */
  readonly filename: string | URL;
  /** Export name; default 'default'. */
  readonly name?: string;
}

/** Anything that names a task: an inline function, a module export, or `'file:///mod.js#name'`. */
// biome-ignore lint/suspicious/noExplicitAny: a task of any parameter list; `unknown[]` would refuse typed functions
export type TaskRef = ((...args: any[]) => unknown) | ModuleTask | string | URL;

/** What travels to the worker: a module export, or the source of an inline function. */
export type TaskSpec =
  | { readonly kind: 'module'; readonly url: string; readonly name: string }
  | { readonly kind: 'inline'; readonly name: string; readonly source: string };

/** Prefix of the sourceURL given to compiled inline functions; their stack frames show it. */
export const INLINE_SOURCE_PREFIX = 'sabkit-inline:';

const specCache = new WeakMap<object, TaskSpec>();

/** What taskSpec's closure check may assume. */
export interface TaskSpecOptions {
  /**
   * The workers may have globals this thread cannot see (a Pool's initializer can create them), so
   * a free name is left to the worker's check instead of refused here. Default false.
   */
  readonly workerGlobals?: boolean;
}

/**
 * Turns what the caller passed into the spec sent to workers, checking everything that can be
 * checked here. `param` names the argument in error messages.
 */
export function taskSpec(ref: unknown, param = 'fn', options?: TaskSpecOptions): TaskSpec {
  if (typeof ref === 'function') {
    let spec = specCache.get(ref);
    if (!spec) {
      spec = inlineSpec(ref as (...args: unknown[]) => unknown, param);
      specCache.set(ref, spec);
    }
    if (!options?.workerGlobals) checkClosures(ref, param);
    return spec;
  }
  if (typeof ref === 'string' || ref instanceof URL) {
    const text = String(ref);
    const hash = text.lastIndexOf('#');
    return moduleSpec(hash < 0 ? text : text.slice(0, hash), hash < 0 ? 'default' : text.slice(hash + 1), param);
  }
  if (typeof ref === 'object' && ref !== null && 'filename' in ref) {
    const m = ref as ModuleTask;
    if (m.name !== undefined && (typeof m.name !== 'string' || m.name === '')) {
      throw new InvalidArgumentError(`${param}.name must be a non-empty export name, got ${describe(m.name)}`);
    }
    return moduleSpec(m.filename, m.name ?? 'default', param);
  }
  throw new InvalidArgumentError(
    `${param} must be a function, a module export { filename, name }, or a 'file:///module.js#exportName' ` +
      `string; got ${describe(ref)}`,
  );
}

function moduleSpec(filename: unknown, name: string, param: string): TaskSpec {
  let url: string;
  if (filename instanceof URL) url = filename.href;
  else if (typeof filename === 'string' && MODULE_URL.test(filename)) url = filename;
  else if (typeof filename === 'string' && isAbsolute(filename)) url = pathToFileURL(filename).href;
  else {
    throw new InvalidArgumentError(
      `${param}: a task module must be ${MODULE_URL_RULE} (a worker has no notion of the ` +
        `caller's directory), got ${describe(filename)}`,
    );
  }
  if (name === '') throw new InvalidArgumentError(`${param}: the export name after '#' is empty in ${describe(url)}`);
  return { kind: 'module', url, name };
}

const HOW_TO = 'pass what it needs as arguments, or export it from a module and pass { filename, name }';

// Checked specs by source text: a function literal written inside a loop is a new object each
// time, with the same text, and the checks (two compiles and a scan) cost tens of microseconds.
const specsByText = new Map<string, TaskSpec>();
const MAX_SPECS_BY_TEXT = 1024;

function inlineSpec(fn: (...args: unknown[]) => unknown, param: string): TaskSpec {
  const name = fn.name || 'anonymous';
  const text = Function.prototype.toString.call(fn).trim();
  const key = `${name}\u0000${text}`;
  const known = specsByText.get(key);
  if (known) return known;
  const spec = checkInline(name, text, param);
  if (specsByText.size >= MAX_SPECS_BY_TEXT) specsByText.clear();
  specsByText.set(key, spec);
  return spec;
}

function checkInline(name: string, text: string, param: string): TaskSpec {
  const label = `${param} (function ${name})`;
  if (/\{\s*\[native code\]\s*\}$/.test(text)) {
    const why = name.startsWith('bound ')
      ? 'a bound function has no source text of its own'
      : 'a built-in function has no source text';
    throw new InlineFunctionError(
      `${label} cannot be sent to a worker: ${why}. Inline functions are sent as source and compiled in ` +
        `each worker; wrap it in an arrow function, or ${HOW_TO}.`,
    );
  }
  if (/^class\b/.test(text)) {
    throw new InlineFunctionError(
      `${label} is a class; a task must be a function. Export a factory function from a module instead.`,
    );
  }
  // Which syntactic form: an expression (function, arrow, async, generator) compiles as is; a
  // method (`f(x) { ... }` taken from an object or class) must be wrapped in an object literal.
  let source: string;
  let isMethod = false;
  if (compiles(`return (${text}\n);`)) source = text;
  else if (!/^(get|set|static)\s/.test(text) && compiles(`return ({ ${text}\n});`)) {
    source = `Object.values({ ${text}\n})[0]`;
    isMethod = true;
  } else if (findForbiddenUses(text, true).some((u) => u.word === 'import.meta')) {
    throw new InlineFunctionError(
      `${label} uses \`import.meta\`, which belongs to the module that defined the function; the worker ` +
        `compiles inline functions outside any module. ${capitalize(HOW_TO)}.`,
    );
  } else {
    throw new InlineFunctionError(
      `${label}: its source text does not compile as a function on its own (getters, setters and static ` +
        `blocks cannot be tasks); ${HOW_TO}.`,
    );
  }
  const isArrow = !isMethod && !/^(async\s+)?function\b/.test(text);
  const uses = findForbiddenUses(text, !isArrow);
  if (uses.length > 0) {
    const u = uses[0];
    const where = lineOf(text, u.offset);
    const meaning =
      u.word === 'import.meta'
        ? '`import.meta` belongs to the module that defined the function, and the worker compiles it outside any module'
        : u.word === 'this' || u.word === 'super'
          ? `\`${u.word}\` would be the one of the object or class around the function, which stays behind ` +
            `(a task is called with no \`this\`)`
          : '`arguments` in an arrow function belongs to the enclosing function, which stays behind';
    throw new InlineFunctionError(
      `${label} uses \`${u.word}\` (${where}): ${meaning}. Inline functions are sent as source text and ` +
        `compiled in each worker, with no access to the code that defined them; ${HOW_TO}.`,
    );
  }
  return { kind: 'inline', name, source };
}

// Free names per function, computed once: a task function is usually passed again and again.
const closureCache = new WeakMap<object, { text: string; closures: Array<{ name: string; offset: number }> }>();

/**
 * Throws InlineFunctionError if `fn`, an inline task, closes over a variable the worker does not
 * have: the caller-side half of the closure rule, before anything is sent or runs, as Python
 * refuses to pickle such a function. Process.start() calls it on its own, where Python raises.
 */
export function checkClosures(fn: unknown, param: string): void {
  if (typeof fn !== 'function') return;
  let found = closureCache.get(fn);
  if (!found) {
    const text = Function.prototype.toString.call(fn).trim();
    found = { text, closures: closedOver(text) };
    closureCache.set(fn, found);
  }
  const { text, closures } = found;
  if (closures.length === 0) return;
  const label = `${param} (function ${(fn as { name?: string }).name || 'anonymous'})`;
  const u = closures[0];
  const list = closures.map((c) => `\`${c.name}\``).join(', ');
  const what = closures.length > 1 ? 'variables' : 'a variable';
  throw new InlineFunctionError(
    `${label} is a closure: it refers to ${list} (${closures.length > 1 ? 'the first at ' : ''}` +
      `${lineOf(text, u.offset)}), ${what} of the code that defined it, which the worker does not have. ` +
      `Inline functions are sent as source text and compiled in each worker, where only their parameters, ` +
      `their own local variables and the worker's globals exist. Pass \`${u.name}\` as an argument, import ` +
      `it inside the function (await import(...)), or export the function from a module and pass ` +
      `{ filename, name }.`,
  );
}

// The caller's thread has these in some settings (a CommonJS module's wrapper, the REPL), but the
// worker compiles inline functions as scripts inside an ES module, where none of them exist.
const NOT_IN_WORKER = new Set(['require', 'module', 'exports', '__dirname', '__filename']);

// A worker thread starts with the same globals as this thread (measured on Node 20: none differ),
// so `in globalThis` answers for the worker. Names this thread has but the worker lacks (set by
// the caller's own code) pass here and are left to the worker's ReferenceError.
function closedOver(text: string): Array<{ name: string; offset: number }> {
  const free = findFreeNames(text);
  return free.names.filter((f) => NOT_IN_WORKER.has(f.name) || !(f.name in globalThis));
}

function capitalize(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

function compiles(body: string): boolean {
  try {
    // Compiling (never calling) tells an expression from a method: syntax errors are early errors.
    new Function(`"use strict";\n${body}`);
    return true;
  } catch {
    return false;
  }
}

function lineOf(text: string, offset: number): string {
  const line = text.slice(0, offset).split('\n').length;
  const snippet = text
    .slice(Math.max(0, offset - 20), offset + 24)
    .replace(/\s+/g, ' ')
    .trim();
  return `line ${line} of its source, near "${snippet}"`;
}

// ---------------------------------------------------------------------------------------------
// Worker side.

const compiled = new Map<string, (...args: unknown[]) => unknown>();
const imported = new Map<string, (...args: unknown[]) => unknown>();

/**
 * The function a spec names, compiled or imported once per worker. A module is imported
 * asynchronously the first time; later calls return the cached function synchronously.
 */
export function loadTask(spec: TaskSpec): ((...args: unknown[]) => unknown) | Promise<(...args: unknown[]) => unknown> {
  if (spec.kind === 'inline') return compileInline(spec);
  const key = `${spec.url}#${spec.name}`;
  const hit = imported.get(key);
  if (hit) return hit;
  return importTask(spec.url, spec.name).then((f) => {
    imported.set(key, f);
    return f;
  });
}

/** Codes with which require() declines a module that import() may load (or report better). */
const IMPORT_INSTEAD = new Set([
  'ERR_REQUIRE_ESM',
  'ERR_REQUIRE_ASYNC_MODULE',
  'ERR_UNKNOWN_FILE_EXTENSION',
  'MODULE_NOT_FOUND',
]);

/**
 * A TypeScript task module (.ts, .mts, .cts) loaded with require(), as Piscina loads every task
 * module (piscina/src/worker/loader.ts), or undefined to import() it instead. Why: tsx hooks
 * require() in every worker, but its import() hook is not there in a worker on Node 20, so import()
 * alone failed with "Unknown file extension .ts" where Piscina ran the same file. Bun, Deno and
 * Node's own type stripping load it either way. The shape is import()'s: CommonJS exports are also
 * the `default`.
 */
function requireTypeScript(url: string): Record<string, unknown> | undefined {
  if (!url.startsWith('file:') || !/\.[cm]?ts$/.test(new URL(url).pathname)) return undefined;
  let m: unknown;
  try {
    m = createRequire(url)(fileURLToPath(url));
  } catch (e) {
    if (IMPORT_INSTEAD.has((e as { code?: string })?.code ?? '')) return undefined;
    throw e;
  }
  if (m === null || (typeof m !== 'object' && typeof m !== 'function')) return { default: m };
  const ns = m as Record<string, unknown>;
  return typeof m === 'function' || !('default' in ns) ? { ...ns, default: m } : ns;
}

async function importTask(url: string, name: string): Promise<(...args: unknown[]) => unknown> {
  let mod: Record<string, unknown>;
  try {
    mod = requireTypeScript(url) ?? ((await import(url)) as Record<string, unknown>);
  } catch (e) {
    throw new TaskModuleError(
      `the task module ${url} cannot be loaded in the worker: ${(e as Error)?.message ?? String(e)}`,
      url,
      name,
      { cause: e },
    );
  }
  let f = mod[name];
  // A CommonJS module's exports arrive as `default`; look there too, as Node's own interop does.
  if (f === undefined && name !== 'default' && typeof mod.default === 'object' && mod.default !== null) {
    f = (mod.default as Record<string, unknown>)[name];
  }
  if (typeof f !== 'function') {
    const names = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
    throw new TaskModuleError(
      f === undefined
        ? `the task module ${url} has no export named '${name}' (its function exports: ` +
            `${names.length ? names.join(', ') : 'none'})`
        : `the export '${name}' of ${url} is ${describe(f)}, not a function`,
      url,
      name,
    );
  }
  return f as (...args: unknown[]) => unknown;
}

/** Compiles an inline function in a scope that holds nothing but the worker's globals. */
export function compileInline(spec: {
  readonly name: string;
  readonly source: string;
}): (...args: unknown[]) => unknown {
  const hit = compiled.get(spec.source);
  if (hit) return hit;
  let made: unknown;
  try {
    made = new Function(
      `"use strict";\nreturn (${spec.source}\n);\n//# ` +
        `sourceURL=${INLINE_SOURCE_PREFIX}${encodeURIComponent(spec.name)}`,
    )();
  } catch (e) {
    throw new InlineFunctionError(
      `inline function ${spec.name} does not compile in the worker: ${(e as Error)?.message ?? String(e)}`,
      { cause: e },
    );
  }
  if (typeof made !== 'function')
    throw new InlineFunctionError(`inline function ${spec.name}: its source did not evaluate to a function`);
  const f = made as (...args: unknown[]) => unknown;
  compiled.set(spec.source, f);
  return f;
}

/**
 * If `error` is a ReferenceError thrown by an inline function's own code for a name it does not
 * define, returns the explanatory InlineFunctionError (the original as its cause); else `error`.
 */
export function explainInlineError(error: unknown, spec: TaskSpec): unknown {
  if (spec.kind !== 'inline' || !(error instanceof ReferenceError)) return error;
  const m = /^(\S+) is not defined$/.exec(error.message);
  if (!m) return error;
  const firstFrame = (error.stack ?? '').split('\n').find((l) => /^\s+at /.test(l)) ?? '';
  if (!firstFrame.includes(INLINE_SOURCE_PREFIX)) return error;
  const id = m[1];
  return new InlineFunctionError(
    `inline function ${spec.name} refers to \`${id}\`, which does not exist in the worker. Inline functions ` +
      `are sent as source text and compiled in each worker, where only their parameters, their own local ` +
      `variables and the worker's globals exist: they cannot use variables, imports or functions of the ` +
      `module that defined them. Pass \`${id}\` as an argument, import it inside the function (await ` +
      `import(...)), or export the function from a module and pass { filename, name }.`,
    { cause: error },
  );
}
