// Deferred requires for scripts/build-cjs.mjs: in the CommonJS build, a module's require() of a
// Node builtin, or of one of the package's own modules named with --lazy=<src file>, runs when the
// module first reads one of that import's names, not when the module loads.
//
// Why: importing a package should load only what it uses. node:worker_threads alone costs ~2.5 ms
// in a fresh process (it pulls ~30 of Node's stream modules), and a package that only defines
// classes at import has no use for it until a Worker is created or a thread id is needed.
//
// Semantics: those of TC39's import-defer proposal ("Deferring Module Evaluation", `import defer * as
// ns`): the module is evaluated on the first read of one of its exports. Done as Babel's `lazy`
// option of @babel/plugin-transform-modules-commonjs does it for CommonJS output, but with one
// object per import instead of a function per import, so that esbuild's output (which reads every
// external import as `import_x.name`, or `(0, import_x.name)(...)` for a call) is changed on the
// declaration's line only: line numbers and the source map stay right.
//
// An import is deferred only where every use of its variable in the file reads a property
// (`v.name`) and none assigns one; any other use (passing the namespace, `__toESM(require(...))`,
// `__reExport`) keeps the require where esbuild put it. A module's top-level code that reads a
// deferred import (a class that extends one, a constant computed at load) still loads it at once:
// deferring never changes what a module computes, only when its imports are evaluated.
//
// The price: a getter per read. A builtin's getters become plain values once it is loaded (its
// exports do not change); an own module's stay getters, which read the module's exports object,
// so live bindings (`export let`) stay live.

/** The helper, declared on the file's first line (after "use strict") so that no line moves. */
export const LAZY_HELPER = [
  'var __sabkitLazy = (req, names, builtin) => {',
  'let m; const o = {};',
  'const load = () => {',
  'if (m !== undefined) return m; m = req();',
  'if (builtin) for (const n of names) Object.defineProperty(o, n, { value: m[n], enumerable: true });',
  'return m; };',
  'for (const n of names) Object.defineProperty(o, n, { get: () => load()[n], configurable: true, enumerable: true });',
  'return o; };',
].join(' ');

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Rewrites `var v = require("id");` into `var v = __sabkitLazy(() => require("id"), [names], builtin);` where
 * `shouldDefer(id)` says so and every use of `v` reads a property. Returns the new text and the
 * ids deferred (the helper is not added here).
 */
export function deferRequires(text, shouldDefer) {
  const deferred = [];
  const out = text.replace(/^var ([A-Za-z_$][\w$]*) = require\("([^"]+)"\);$/gm, (line, v, id, at) => {
    const kind = shouldDefer(id);
    if (!kind) return line;
    const uses = [...text.matchAll(new RegExp(`(?<![\\w$.])${escape(v)}(?![\\w$])(\\.([A-Za-z_$][\\w$]*))?`, 'g'))];
    const names = new Set();
    for (const u of uses) {
      if (u.index === at + 4) continue; // the declaration itself (`var ` is 4 characters)
      if (u[2] === undefined) return line; // used as a whole: keep it eager
      const after = text.slice(u.index + u[0].length, u.index + u[0].length + 3);
      if (/^\s*=(?!=)/.test(after) || /^\s*(\+\+|--)/.test(after)) return line; // assigned: keep it eager
      names.add(u[2]);
    }
    if (names.size === 0) return line;
    deferred.push(id);
    // The require() stays a call with a literal id, in a function: bundlers still find the file.
    const req = `() => require(${JSON.stringify(id)})`;
    return `var ${v} = __sabkitLazy(${req}, ${JSON.stringify([...names])}, ${kind === 'builtin'});`;
  });
  return { text: out, deferred };
}
