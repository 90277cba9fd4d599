/** The pool's own module Web Worker script in a browser (engine/worker-pool.browser.ts starts it). */
import { startBrowserWorker } from './browser-entry.js';

void startBrowserWorker();
