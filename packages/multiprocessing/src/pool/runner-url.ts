/**
 * The engine's `filename` for every Pool: the module of the Pool's worker side (runner.ts). A
 * module of its own so that the browser build can put runner-url.browser.ts in its place.
 */
export const RUNNER_URL = new URL('./runner.js', import.meta.url).href;
