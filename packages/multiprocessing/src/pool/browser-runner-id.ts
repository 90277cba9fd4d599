/**
 * The Pool's task module in a browser: not a URL but a name the Pool's worker script
 * (browser-worker.ts) maps to the runner bundled into it (a browser cannot import a module of a
 * package by name at run time).
 */
export const BROWSER_RUNNER_ID = 'sabkit-builtin:@sabkit/multiprocessing/runner';
