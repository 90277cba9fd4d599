// Locks: sabkit's Lock against a bare compare-exchange spin lock (written inline below) and
// Python's multiprocessing Value lock, in one run.
//   lock-uncontended   acquire+release on one thread, ns/op (median of runs)
//   lock-contended     a non-atomic counter incremented under the lock by 2 threads, ops/s
// Targets (issue 2): uncontended <= 1.4x the bare CAS lock; contended >= 15M ops/s and >= 10x
// Python. Ratios are emitted as their own lines (impl "ratio ...").
// Needs atomics-sync's dist: `cd packages/atomics-sync && npx tsc -p tsconfig.json`.
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { Lock, RLock, Semaphore } from '@sabkit/atomics-sync';
import { QUICK, emit, repeat, runsFor, python, runPython } from '../lib/report.mjs';

/** Iterations each contended worker runs before the timed part, both at once (see the worker). */
const WARM = 100_000;

// The baseline: the least a lock can be. Acquire spins on one CAS, release is one store; no
// parking, no owner, no robustness, no fairness.
function casAcquire(i32) {
  while (Atomics.compareExchange(i32, 0, 0, 1) !== 0);
}
function casRelease(i32) {
  Atomics.store(i32, 0, 0);
}

/**
 * One thread's loop per impl: `iters` increments of a plain (non-atomic) counter under the lock.
 * One function per impl, so every call site stays monomorphic (a shared loop would see four
 * classes and slow them all down).
 */
const LOOPS = {
  cas(i32, counter, iters) {
    for (let i = 0; i < iters; i++) {
      casAcquire(i32);
      counter[0]++;
      casRelease(i32);
    }
  },
  lock(lock, counter, iters) {
    for (let i = 0; i < iters; i++) {
      lock.acquire();
      counter[0]++;
      lock.release();
    }
  },
  rlock(lock, counter, iters) {
    for (let i = 0; i < iters; i++) {
      lock.acquire();
      counter[0]++;
      lock.release();
    }
  },
  semaphore(sem, counter, iters) {
    for (let i = 0; i < iters; i++) {
      sem.acquire();
      counter[0]++;
      sem.release();
    }
  },
};
function counterLoop(impl, lockLike, counter, iters) {
  LOOPS[impl](lockLike, counter, iters);
}

function attach(impl, d) {
  if (impl === 'cas') return new Int32Array(d);
  if (impl === 'rlock') return RLock.from(d);
  if (impl === 'semaphore') return Semaphore.from(d);
  return Lock.from(d);
}

function makeLock(impl) {
  if (impl === 'cas') return { lock: new SharedArrayBuffer(4) };
  if (impl === 'rlock') return { lock: new RLock() };
  if (impl === 'semaphore') return { lock: new Semaphore(1) };
  return { lock: new Lock() };
}

async function contendedRun(impl, iters) {
  const { lock } = makeLock(impl);
  const counter = new SharedArrayBuffer(4);
  const start = new Int32Array(new SharedArrayBuffer(12));
  const ws = [0, 1].map(
    () => new Worker(new URL(import.meta.url), { workerData: { impl, lock, counter, start: start.buffer, iters } }),
  );
  const done = ws.map(
    (w) =>
      new Promise((res, rej) => {
        w.once('message', res);
        w.once('error', rej);
      }),
  );
  while (Atomics.load(start, 1) < 2) await new Promise((r) => setTimeout(r, 1));
  Atomics.store(start, 0, 1);
  Atomics.notify(start, 0);
  while (Atomics.load(start, 2) < 2) await new Promise((r) => setTimeout(r, 1));
  const t0 = performance.now();
  Atomics.store(start, 0, 2);
  Atomics.notify(start, 0);
  await Promise.all(done);
  const ms = performance.now() - t0;
  await Promise.all(ws.map((w) => w.terminate()));
  const total = new Int32Array(counter)[0];
  if (total !== 2 * iters + 2 * WARM)
    throw new Error(`${impl}: counter is ${total}, expected ${2 * iters + 2 * WARM}: mutual exclusion broken`);
  return (2 * iters) / (ms / 1000);
}

function uncontended(impl, iters) {
  const { lock } = makeLock(impl);
  const l = impl === 'cas' ? new Int32Array(lock) : lock;
  const counter = new Int32Array(1);
  counterLoop(impl, l, counter, iters); // warm-up of this exact closure
  const t0 = performance.now();
  counterLoop(impl, l, counter, iters);
  return ((performance.now() - t0) * 1e6) / iters;
}

const PY_CONTENDED = `
import json, multiprocessing as mp, sys, time
def work(v, ev, n):
    lock = v.get_lock()
    ev.wait()
    for _ in range(n):
        with lock:
            v.value += 1
if __name__ == '__main__':
    n, runs = int(sys.argv[1]), int(sys.argv[2])
    for _ in range(runs):
        v = mp.Value('i', 0)
        ev = mp.Event()
        ps = [mp.Process(target=work, args=(v, ev, n)) for _ in range(2)]
        for p in ps: p.start()
        time.sleep(0.2)
        t0 = time.perf_counter(); ev.set()
        for p in ps: p.join()
        dt = time.perf_counter() - t0
        assert v.value == 2 * n, v.value
        print(json.dumps({"ops_per_s": 2 * n / dt}))
`;

async function main() {
  // Uncontended: impls interleaved within each run so drift on a shared machine hits all alike.
  const uIters = QUICK ? 1_000_000 : 5_000_000;
  const uRuns = runsFor(9, 5);
  const uImpls = ['cas', 'lock', 'rlock', 'semaphore'];
  const u = Object.fromEntries(uImpls.map((k) => [k, []]));
  await repeat(uRuns, (run) => {
    for (const impl of uImpls) {
      const v = uncontended(impl, uIters);
      if (run >= 0) u[impl].push(v);
    }
  });
  const names = { cas: 'bare CAS lock', lock: 'sabkit Lock', rlock: 'sabkit RLock', semaphore: 'sabkit Semaphore(1)' };
  for (const impl of uImpls) emit('lock-uncontended', names[impl], 'acquire+release', u[impl], 'ns/op');
  // Ratio per run (paired), then the median: less noisy than a ratio of medians.
  emit(
    'lock-uncontended',
    'ratio sabkit Lock / bare CAS',
    'acquire+release',
    u.lock.map((x, i) => x / u.cas[i]),
    'x',
    { target: '<= 1.4' },
  );

  // Contended: 2 worker threads.
  const cIters = QUICK ? 1_000_000 : 4_000_000;
  const cRuns = runsFor(7, 3);
  const c = { cas: [], lock: [], rlock: [] };
  await repeat(cRuns, async (run) => {
    for (const impl of Object.keys(c)) {
      const v = await contendedRun(impl, run >= 0 ? cIters : cIters / 4);
      if (run >= 0) c[impl].push(v);
    }
  });
  const cMed = {};
  for (const impl of Object.keys(c))
    cMed[impl] = emit('lock-contended', names[impl], 'counter, 2 threads', c[impl], 'ops/s');
  emit(
    'lock-contended',
    'ratio sabkit Lock / bare CAS',
    'counter, 2 threads',
    c.lock.map((x, i) => x / c.cas[i]),
    'x',
  );

  const py = python();
  if (py) {
    const pyIters = QUICK ? 50_000 : 200_000;
    const rows = runPython(PY_CONTENDED, [pyIters, runsFor(5, 3)]);
    const pyMed = emit(
      'lock-contended',
      `python ${py.version} mp.Value.get_lock()`,
      'counter, 2 processes',
      rows.map((r) => r.ops_per_s),
      'ops/s',
    );
    emit('lock-contended', 'ratio sabkit Lock / python', 'counter, 2 threads', [cMed.lock / pyMed], 'x', {
      target: '>= 10',
    });
  } else {
    process.stderr.write('# python3 with multiprocessing not found: the Python comparison is skipped\n');
  }
}

if (!isMainThread) {
  // Contended worker: wait for the start word, run the loop, report.
  const { impl, lock, counter, start, iters } = workerData;
  const l = attach(impl, lock);
  const c = new Int32Array(counter);
  const s = new Int32Array(start);
  // s[0]: the main thread's phase (1: warm, 2: timed); s[1], s[2]: workers ready, warmed. Both
  // workers warm together, contended, so the lock's slow paths are compiled before the timed part
  // too (cells.mjs measured what warming each worker alone costs: random 2x swings in short runs).
  Atomics.add(s, 1, 1);
  while (Atomics.load(s, 0) < 1) Atomics.wait(s, 0, 0);
  counterLoop(impl, l, c, WARM); // its increments are counted by the check
  Atomics.add(s, 2, 1);
  while (Atomics.load(s, 0) < 2) Atomics.wait(s, 0, 1);
  counterLoop(impl, l, c, iters);
  parentPort.postMessage('done');
} else {
  await main();
}
