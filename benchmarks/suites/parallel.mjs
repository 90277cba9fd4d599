// Parallel loops on shared memory: a sum of squares over 50M doubles (10M with --quick).
//   parallel.sum-squares   serial loop on the main thread; sabkit parallelReduce on a Pool of 2
//                          (the array is shared, nothing is copied); npm piscina with 2 threads
//                          fed copied chunks (each chunk sliced out and transferred), ms per sum
// Speed-ups over serial are emitted as their own lines (impl "speed-up ...").
// Needs the built packages: `npx -y pnpm@12.4.2 run build`.
import { isMainThread } from 'node:worker_threads';
import { Pool, parallelReduce } from '@sabkit/piscina';
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

  const serialSamples = await repeat(runs, () => {
    const t0 = performance.now();
    const s = sumSquares(a);
    const ms = performance.now() - t0;
    serialSum = s;
    return ms;
  });
  var serialSum;
  const serial = emit('parallel.sum-squares', 'serial (main thread)', 'time', serialSamples, 'ms', { n: N });

  const pool = new Pool(WORKERS);
  let sabkit;
  try {
    const samples = await repeat(runs, async () => {
      const t0 = performance.now();
      const s = await parallelReduce(a, (x) => x * x, (p, q) => p + q, 0, { pool });
      const ms = performance.now() - t0;
      if (s !== serialSum) throw new Error(`parallelReduce gave ${s}, serial ${serialSum}`);
      return ms;
    }, 2);
    sabkit = emit('parallel.sum-squares', 'sabkit parallelReduce (shared)', 'time', samples, 'ms', { n: N, workers: WORKERS });
  } finally {
    await pool.terminate();
  }

  const npm = new NpmPiscina({ filename: import.meta.url, name: 'sumSquares', minThreads: WORKERS, maxThreads: WORKERS });
  let piscina;
  try {
    const size = Math.ceil(N / CHUNKS);
    const samples = await repeat(runs, async () => {
      const t0 = performance.now();
      const parts = [];
      for (let lo = 0; lo < N; lo += size) {
        const chunk = a.slice(lo, lo + size); // a copy in an ordinary ArrayBuffer
        parts.push(npm.run(chunk, { transferList: [chunk.buffer] }));
      }
      const s = (await Promise.all(parts)).reduce((p, q) => p + q, 0);
      const ms = performance.now() - t0;
      if (s !== serialSum) throw new Error(`piscina gave ${s}, serial ${serialSum}`);
      return ms;
    }, 2);
    piscina = emit('parallel.sum-squares', 'npm piscina (copied chunks)', 'time', samples, 'ms', { n: N, workers: WORKERS, chunks: CHUNKS });
  } finally {
    await npm.destroy();
  }
  emit('parallel.sum-squares', 'speed-up sabkit/serial', 'speed-up', [serial / sabkit], 'x');
  emit('parallel.sum-squares', 'speed-up piscina/serial', 'speed-up', [serial / piscina], 'x');
}
