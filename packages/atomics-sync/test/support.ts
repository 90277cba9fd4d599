// Shared by the test files (not by worker fixtures: it registers a node:test hook).
import { after } from 'node:test';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import { deserializeError, watchWorker, type SerializedError } from '../src/index.js';

/** URL of a compiled worker fixture. */
export const fixture = (name: string): URL => new URL(`./fixtures/${name}.js`, import.meta.url);

// Every worker is also terminated after the file's tests, even those of a test that timed out.
const live = new Set<NodeWorker>();
after(() => Promise.all([...live].map((w) => w.terminate())));

/** A Worker that is terminated when the test file ends, whatever happened to its test. */
export class Worker extends NodeWorker {
  constructor(url: URL, options: WorkerOptions) {
    super(url, options);
    live.add(this);
    this.once('exit', () => live.delete(this));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Bound on every main-thread wait, so that a broken primitive fails the test instead of keeping the process alive. */
export const T = 20_000;

/** A tracked Worker on `fixture` with `data` as its workerData, watched by the liveness table. */
export function startWatched(fixtureUrl: URL, data: Record<string, unknown>): Worker {
  const w = new Worker(fixtureUrl, { workerData: data });
  watchWorker(w);
  return w;
}

/**
 * Resolves with the worker's first message that has one of `keys`; rejects with the error a
 * message reports (unless 'error' is one of the keys) or with the worker's 'error' event.
 */
export function messageWith(w: NodeWorker, ...keys: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const on = (m: Record<string, unknown>) => {
      if (m.error && !keys.includes('error')) {
        w.off('message', on);
        reject(deserializeError(m.error as SerializedError));
      } else if (keys.some((k) => k in m)) {
        w.off('message', on);
        resolve(m);
      }
    };
    w.on('message', on);
    w.once('error', reject);
  });
}
