/**
 * The Pool's module Web Worker script in a browser (runner-url.browser.ts starts it): the pool's
 * worker (startBrowserWorker of @sabkit/piscina) with the Pool's runner bundled in as the task
 * module the engine's `filename` names.
 */
import { startBrowserWorker } from '@sabkit/piscina/browser-worker';
import { BROWSER_RUNNER_ID } from './browser-runner-id.js';

void startBrowserWorker({ [BROWSER_RUNNER_ID]: () => import('./runner.js') });
