// Takes the lock, writes half of an update, then exits without releasing: a crash mid-update.
import { workerData } from 'node:worker_threads';
import { Lock, SharedArray } from '../../src/index.js';

const lock = Lock.from(workerData.lock);
const ledger = SharedArray.from<'i'>(workerData.ledger);
lock.acquire();
ledger.set(0, ledger.get(0) - 50); // debit done...
process.exit(3); // ...credit never happens, lock never released
