/**
 * node:module for the browser build. The engine require()s only two kinds of module: a task
 * module (the loader then falls back to import(), as on Node for an ES module: the error code
 * below), and the sabkit packages it loads lazily on Node, which the browser entry imports up
 * front and registers here.
 */
const REGISTRY_KEY = Symbol.for('sabkit.piscina.browser.modules.v1');

function registry(): Map<string, unknown> {
  const g = globalThis as Record<symbol, Map<string, unknown> | undefined>;
  let r = g[REGISTRY_KEY];
  if (r === undefined) r = g[REGISTRY_KEY] = new Map();
  return r;
}

/** Makes `require(id)` give `mod` in this browser thread. */
export function registerModule(id: string, mod: unknown): void {
  registry().set(id, mod);
}

export function createRequire(_from: string | URL): (id: string) => unknown {
  return (id: string) => {
    const r = registry();
    if (r.has(id)) return r.get(id);
    const e = new Error(`require('${id}'): a browser has no require(); loading it with import()`) as Error & {
      code: string;
    };
    e.code = 'ERR_REQUIRE_ESM';
    throw e;
  };
}

export default { createRequire };
