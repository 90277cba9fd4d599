/**
 * The check every sabkit worker start makes before `new Worker(url)`: that the worker's file is
 * there. Why: after bundling, a worker file the bundler did not copy would otherwise surface as
 * the worker's own load error, asynchronously, after the caller already waits on the worker (a
 * Manager's first call blocked for ever); this names the file at once, synchronously.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkerStartError } from './errors.js';

/** Throws a WorkerStartError naming `url`'s file if it is a file: URL whose file does not exist. */
export function checkWorkerFile(url: URL, what: string): void {
  if (url.protocol !== 'file:' || existsSync(url)) return;
  throw new WorkerStartError(
    `cannot start ${what}: its worker file ${fileURLToPath(url)} is missing (bundlers copy only the files they ` +
      `see; with esbuild, add the sabkitWorkers() plugin of '@sabkit/piscina/esbuild': docs/runtimes.md)`,
    undefined,
  );
}
