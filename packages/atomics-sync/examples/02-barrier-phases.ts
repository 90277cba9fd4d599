// Four workers run five phases in lock step through a shared Barrier: each checks that the
// previous phase's sum is complete before it moves on.
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { Barrier, SharedArray } from '../src/index.js';

const parties = 4,
  phases = 5;
const expected = (parties * (parties - 1)) / 2; // 0+1+2+3
const barrier = new Barrier(parties);
const sums = new SharedArray('i', phases, { lock: false });
const workers = Array.from(
  { length: parties },
  (_, id) =>
    new Worker(new URL('./workers/phase-worker.js', import.meta.url), {
      workerData: { id, phases, barrier, sums, expected },
    }),
);
const codes = await Promise.all(workers.map(async (w) => (await once(w, 'exit'))[0]));
console.log(`exit codes: ${codes.join(' ')}`);
console.log(`phase sums: [${sums.toArray()}] (each should be ${expected})`);
console.log(`barrier broken: ${barrier.broken}`);
