// One party of the barrier: in each phase it adds its id into its phase's slot, then waits for the
// others, so no party starts phase p+1 before every party finished phase p.
import { workerData } from 'node:worker_threads';
import { Barrier, SharedArray } from '../../src/index.js';

const { id, phases } = workerData as { id: number; phases: number };
const barrier = Barrier.from(workerData.barrier);
const sums = SharedArray.from<'i'>(workerData.sums);
for (let p = 0; p < phases; p++) {
  if (p > 0 && sums.get(p - 1) !== workerData.expected) throw new Error(`phase ${p - 1} incomplete when ${id} left it`);
  sums.add(p, id);
  barrier.wait(10_000);
}
