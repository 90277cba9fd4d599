// Shared by the test files (not by worker fixtures: it registers a node:test hook).
import { after } from 'node:test';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';

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
