// One worker of the particles example: steps its slice of the shared particles, meeting the
// other workers at a Barrier twice per step (partial sums written / read).
import { workerData } from 'node:worker_threads';
import { Barrier } from '@sabkit/atomics-sync';
import { atomics } from '../../src/index.js';
import { Particle, Stats, columnsOf, sliceOf, stepSlice } from './particles-model.js';

const { w, steps } = workerData as { w: number; steps: number };
const particles = Particle.arrayFrom(workerData.particles); // same memory as the main thread's
const stats = Stats.from(workerData.stats);
const barrier = Barrier.from(workerData.barrier);
const cols = columnsOf(particles);
const [start, end] = sliceOf(w, particles.length);

let meanVx = 0;
let bounces = 0;
let maxY = -Infinity;
for (let s = 0; s < steps; s++) {
  const r = stepSlice(cols, start, end, meanVx);
  stats.partialVx[w] = r.sumVx; // this worker's own slot: no race
  bounces += r.bounces;
  maxY = Math.max(maxY, r.maxY);
  barrier.wait(); // every partial sum is written
  let sum = 0;
  for (let k = 0; k < stats.partialVx.length; k++) sum += stats.partialVx[k]; // fixed order: deterministic
  meanVx = sum / particles.length;
  if (barrier.wait() === 0) atomics.add(stats, 'steps', 1); // every worker has read the sums
}
atomics.add(stats, 'bounces', BigInt(bounces));
stats.mu.withLock(() => {
  stats.maxHeight = Math.max(stats.maxHeight, maxY);
});
