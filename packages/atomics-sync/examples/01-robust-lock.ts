// A worker dies while holding a Lock, halfway through moving 50 from account 0 to account 1.
// The main thread does not hang: its acquire takes the lock over and reports OwnerDeadError, as a
// POSIX robust mutex reports EOWNERDEAD, so it can repair the ledger before releasing.
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { Lock, OwnerDeadError, SharedArray, watchWorker } from '../src/index.js';

const lock = new Lock();
const ledger = new SharedArray('i', [100, 0], { lock: false });
const w = new Worker(new URL('./workers/die-holding-lock.js', import.meta.url), { workerData: { lock, ledger } });
watchWorker(w);
const [code] = await once(w, 'exit');
console.log(`worker exited with code ${code}; lock still held: ${lock.locked()}`);
try {
  await lock.acquireAsync(5_000);
  console.log('acquired normally (unexpected)');
} catch (e) {
  if (!(e instanceof OwnerDeadError)) throw e;
  console.log(`OwnerDeadError (${e.code}): we hold the lock now; ledger is [${ledger.toArray()}]`);
  ledger.set(0, 100 - ledger.get(1)); // undo the half-done transfer
}
lock.release();
console.log(`repaired ledger: [${ledger.toArray()}], locked: ${lock.locked()}`);
