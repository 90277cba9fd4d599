// Particles in shared memory, updated in parallel by workers: 20,000 C-layout Particle records in
// one SharedArrayBuffer, each worker stepping its own slice through zero-copy column views,
// with shared counters updated atomically, a per-struct lock, and a Barrier between steps. The
// parallel result is checked against the same computation done sequentially.
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { Barrier } from '@sabkit/atomics-sync';
import { Particle, Stats, Vec2, WORKERS, columnsOf, sliceOf, stepSlice } from './workers/particles-model.js';

const N = 20_000;
const STEPS = 200;

// Seeded initial state (mulberry32), so the output is the same on every run.
let seed = 42;
const rnd = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const particles = Particle.array(N); // zeroed SharedArrayBuffer, N * 40 bytes
particles.forEach((p, i) => {
  // Record views for setup: typed fields, nested structs, no casts.
  p.id = i;
  p.pos.x = rnd() * 100;
  p.pos.y = 1 + rnd() * 10;
  Vec2.assign(p.vel, { x: rnd() - 0.5, y: rnd() * 2 }); // several fields at once, validated first
});
const initial = new Float64Array(particles.buffer.byteLength / 8);
initial.set(new Float64Array(particles.buffer)); // for the sequential check below

const stats = Stats.create();
const barrier = new Barrier(WORKERS);
const workers = Array.from(
  { length: WORKERS },
  (_, w) =>
    new Worker(new URL('./workers/particles-worker.js', import.meta.url), {
      workerData: { w, steps: STEPS, particles, stats, barrier },
    }),
);
const codes = await Promise.all(workers.map(async (w) => (await once(w, 'exit'))[0]));

// The same steps, one thread, same slices and the same summation order.
const reference = Particle.array(N);
new Float64Array(reference.buffer).set(initial);
const cols = columnsOf(reference);
let meanVx = 0;
let bounces = 0;
for (let s = 0; s < STEPS; s++) {
  let sum = 0;
  const partial = Array.from({ length: WORKERS }, (_, w) => {
    const r = stepSlice(cols, ...sliceOf(w, N), meanVx);
    bounces += r.bounces;
    return r.sumVx;
  });
  for (const v of partial) sum += v;
  meanVx = sum / N;
}

const perParticle = particles
  .column('bounces')
  .toArray()
  .reduce((a, b) => a + b, 0);
const x = particles.column('pos.x').toArray();
const y = particles.column('pos.y').toArray();
const checksum = x.reduce((a, b) => a + b, 0) + y.reduce((a, b) => a + b, 0);
const identical = Buffer.compare(Buffer.from(particles.buffer), Buffer.from(reference.buffer)) === 0;
console.log(`worker exit codes: ${codes.join(' ')}`);
console.log(`${N} particles x ${STEPS} steps on ${WORKERS} workers; steps counted: ${stats.steps}`);
console.log(`bounces: ${stats.bounces} (sequential: ${bounces}, per-particle counters: ${perParticle})`);
console.log(`max height: ${stats.maxHeight.toFixed(6)}`);
console.log(`checksum of positions: ${checksum.toFixed(6)}`);
console.log(`particle 7: ${JSON.stringify(Particle.toObject(particles.get(7)))}`);
console.log(`parallel result identical to sequential, byte for byte: ${identical}`);
