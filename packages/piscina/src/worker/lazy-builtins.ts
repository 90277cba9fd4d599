/**
 * Stand-ins for the node: builtins the pool worker needs only on some paths, used by the worker
 * bundle alone: scripts/bundle-worker.mjs resolves the worker's imports of `node:url`, `node:module`
 * and `node:os` to this file. Each function loads its builtin on its first call.
 *
 * Why: those paths are a task module named by a file: URL (or loaded without the launch script's
 * require) and `niceIncrement`; loading the three builtins when the bundle starts cost a new worker
 * ~0.6 ms (0.15-0.3 ms each, measured here), on the path to a fresh pool's first result. Only the
 * names the worker imports are here: another one fails the bundle's build ("No matching export").
 * The tests' build (file by file) and the browser build import the real modules.
 */
type Url = typeof import('node:url');
type Mod = typeof import('node:module');
type Os = typeof import('node:os');

function lazy<T>(name: string): () => T {
  let m: T | undefined;
  return () => (m ??= process.getBuiltinModule(name) as T);
}

const url = lazy<Url>('node:url');
const mod = lazy<Mod>('node:module');
const os = lazy<Os>('node:os');

export function fileURLToPath(href: string | URL): string {
  return url().fileURLToPath(href);
}

export function pathToFileURL(path: string): URL {
  return url().pathToFileURL(path);
}

export function createRequire(from: string | URL): NodeJS.Require {
  return mod().createRequire(from);
}

export function getPriority(pid?: number): number {
  return os().getPriority(pid);
}

export function setPriority(pid: number, priority: number): void {
  os().setPriority(pid, priority);
}
