// A CPU-heavy numeric demo: pi as the integral of 4 / (1 + x^2) over [0, 1], with the midpoint
// rule over 200 million steps, as a parallel reduce over an index range. Run once on a Pool of one
// worker and once on a Pool of every CPU; prints both times and the speed-up.
//
// Nothing but the chunk bounds travels: each worker runs its part of the index range through a
// loop compiled around the body, so the body is inlined as in a hand-written loop.
import { Pool, cpuCount, parallelReduce } from '../src/index.js';

const STEPS = 200_000_000;
const h = 1 / STEPS;

const term = (i: number, h: number): number => {
  const x = (i + 0.5) * h;
  return 4 / (1 + x * x);
};
const sum = (a: number, b: number): number => a + b;

async function timePi(workers: number): Promise<{ pi: number; ms: number }> {
  await using pool = new Pool(workers);
  // Warm-up: start the workers and compile the loop in each of them.
  await parallelReduce(1_000_000, term, sum, 0, { pool, args: [h] });
  let best = Infinity;
  let pi = 0;
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    pi = h * (await parallelReduce(STEPS, term, sum, 0, { pool, args: [h] }));
    best = Math.min(best, performance.now() - t0);
  }
  return { pi, ms: best };
}

const n = cpuCount();
const one = await timePi(1);
const all = await timePi(n);
console.log(`pi ~ ${all.pi.toFixed(12)} (error ${Math.abs(all.pi - Math.PI).toExponential(1)})`);
console.log(`1 thread:  ${one.ms.toFixed(0)} ms`);
console.log(`${n} threads: ${all.ms.toFixed(0)} ms`);
console.log(`speed-up: ${(one.ms / all.ms).toFixed(2)}x on ${n} CPUs`);
