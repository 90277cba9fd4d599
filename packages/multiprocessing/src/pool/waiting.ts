/**
 * What keeps the process alive for a Pool: someone waiting for its results, not the pool itself.
 *
 * Python's pool workers are daemons: a program whose main thread ends while pool tasks still run
 * exits, and multiprocessing's exit handler terminates the pool (its finalizer), workers and all.
 * Here the engine is told that the pool's tasks do not hold the event loop (letProcessExit), and
 * the calls that wait for results hold it instead, from the call until they settle: the awaited
 * results of apply/map/starmap, AsyncResult.get() and wait(), each next() of imap and
 * imapUnordered, join(), and parallel loops. So `await pool.map(...)` completes as before, while
 * a program that submitted applyAsync(neverEnds) and did nothing else exits, as Python's does
 * (the task's callbacks then never run, as in Python). A ref'd do-nothing interval does the
 * holding (an Atomics.waitAsync alone does not keep Node 20 alive), one for all pools.
 */
let waiting = 0;
let timer: ReturnType<typeof setInterval> | undefined;

function hold(): void {
  if (waiting++ === 0) {
    timer ??= setInterval(() => {}, 1 << 30);
    timer.ref();
  }
}

function release(): void {
  if (--waiting === 0) timer?.unref();
}

/** Keeps the process alive until `p` settles; returns `p`'s outcome. */
export function whileWaiting<T>(p: Promise<T>): Promise<T> {
  hold();
  return p.finally(release);
}
