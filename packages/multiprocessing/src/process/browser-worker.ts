/**
 * A Process's module Web Worker script in a browser (start-worker.browser.ts starts it): waits for
 * the start message (workerData), then runs the same entry as on Node (process-worker.ts), which
 * ends the worker with process.exit(code). If that entry cannot even be loaded, the error is
 * printed as Python prints a child's traceback and the Process ends with exit code 1.
 */
import { workerStarted } from '@sabkit/piscina/browser-worker';

void workerStarted()
  .then(() => import('./process-worker.js'))
  .catch((e: unknown) => {
    process.stderr.write(`Process worker: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
