// Parallel loops on shared memory: a sum of squares over 50M doubles (10M with --quick).
//   parallel.sum-squares   serial loop on the main thread; sabkit parallelReduce on a Pool of 2
//                          (the array is shared, nothing is copied); npm piscina with 2 threads
//                          fed copied chunks (each chunk sliced out and transferred), ms per sum
// Speed-ups are emitted as their own lines (impl "speed-up ..."), medians of per-round ratios.
// Needs the built packages: `npx -y pnpm@12.4.2 run build`.
import { isMainThread } from 'node:worker_threads';
import { Pool, parallelReduce } from '@sabkit/multiprocessing';
import NpmPiscina from 'piscina';
import { QUICK, emit, repeat, runsFor } from '../lib/report.mjs';

/** npm piscina's task: the sum of squares of a copied chunk. */
export function sumSquares(chunk) {
  let s = 0;
  for (let i = 0; i < chunk.length; i++) s += chunk[i] * chunk[i];
  return s;
}

if (isMainThread) {
  const N = QUICK ? 10_000_000 : 50_000_000;
  const WORKERS = 2;
  const CHUNKS = 4 * WORKERS;
  const runs = runsFor(9, 3);
  const a = new Float64Array(new SharedArrayBuffer(8 * N));
  // Small integers: every partial sum is exact, so all three must agree to the last bit.
  for (let i = 0; i < N; i++) a[i] = (i * 7919) % 1000;

  const pool = new Pool(WORKERS);
  const npm = new NpmPiscina({
    filename: import.meta.url,
    name: 'sumSquares',
    minThreads: WORKERS,
    maxThreads: WORKERS,
  });
  const size = Math.ceil(N / CHUNKS);
  let serialSum = 0;
  const impls = {
    serial: async () => {
      serialSum = sumSquares(a);
      return serialSum;
    },
    sabkit: () =>
      parallelReduce(
        a,
        (x) => x * x,
        (p, q) => p + q,
        0,
        { pool },
      ),
    piscina: async () => {
      const parts = [];
      for (let lo = 0; lo < N; lo += size) {
        const chunk = a.slice(lo, lo + size); // a copy in an ordinary ArrayBuffer
        parts.push(npm.run(chunk, { transferList: [chunk.buffer] }));
      }
      return (await Promise.all(parts)).reduce((p, q) => p + q, 0);
    },
  };
  // The three run one after another in every round, so that a burst of load from elsewhere on
  // this shared machine hits all of them alike; the speed-ups are medians of per-round ratios.
  const times = { serial: [], sabkit: [], piscina: [] };
  try {
    await repeat(
      runs,
      async (round) => {
        for (const [name, run] of Object.entries(impls)) {
          const t0 = performance.now();
          const s = await run();
          const ms = performance.now() - t0;
          if (name !== 'serial' && s !== serialSum) throw new Error(`${name} gave ${s}, serial ${serialSum}`);
          if (round >= 0) times[name].push(ms);
        }
      },
      2,
    );
  } finally {
    await pool.terminate();
    await npm.destroy();
  }
  emit('parallel.sum-squares', 'serial (main thread)', 'time', times.serial, 'ms', { n: N });
  emit('parallel.sum-squares', 'sabkit parallelReduce (shared)', 'time', times.sabkit, 'ms', {
    n: N,
    workers: WORKERS,
  });
  emit('parallel.sum-squares', 'npm piscina (copied chunks)', 'time', times.piscina, 'ms', {
    n: N,
    workers: WORKERS,
    chunks: CHUNKS,
  });
  emit(
    'parallel.sum-squares',
    'speed-up sabkit/serial',
    'speed-up',
    times.serial.map((t, i) => t / times.sabkit[i]),
    'x',
  );
  emit(
    'parallel.sum-squares',
    'speed-up piscina/serial',
    'speed-up',
    times.serial.map((t, i) => t / times.piscina[i]),
    'x',
  );
  emit(
    'parallel.sum-squares',
    'speed-up sabkit/piscina',
    'speed-up',
    times.piscina.map((t, i) => t / times.sabkit[i]),
    'x',
  );
}
