/**
 * A manager's server in a browser: the module Web Worker script sabkit-manager-worker.js that
 * platform.browser.ts starts. It waits for the start message (workerData: the channel), then runs
 * the same entry as a Node server thread (manager-server.ts). If that entry cannot even be loaded,
 * the error is printed and the worker exits with code 1: the manager's channel is then closed by
 * its owner, so no client waits for ever.
 */
import { workerStarted } from '@sabkit/piscina/browser-worker';

void workerStarted()
  .then(() => import('./manager-server.js'))
  .catch((e: unknown) => {
    process.stderr.write(`Manager server worker: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exit(1);
  });
