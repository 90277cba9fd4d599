// Seeded hammer of the synchronous acquire's waiting paths (lock-core.ts): the back-off probes, the
// naps that nobody wakes, the park and starvation hand-over past STARVATION_MS, timed acquires that
// give up, withLock's inline fast path and RLock re-entry, with an async acquirer on the main thread
// parking the old way. Invariants: mutual exclusion, an exact count, no flag left in the word.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Lock, RLock } from '../src/index.js';
import { Workers, lockWorker, nextMessage, until } from './fixtures/lock-harness.js';
import { mulberry32 } from './prng.js';

const workers = new Workers();
after(() => workers.stopAll());

const word = (l: { buffer: SharedArrayBuffer; byteOffset: number }) => new Int32Array(l.buffer, l.byteOffset, 1);

for (const kind of ['Lock', 'RLock'] as const) {
  test(`${kind}: 3 workers with seeded pacing and an async main thread keep exclusion and lose nothing`, {
    timeout: 60_000,
  }, async () => {
    const lock = kind === 'RLock' ? new RLock() : new Lock();
    const counter = new SharedArrayBuffer(8);
    const inside = new Int32Array(new SharedArrayBuffer(4));
    const start = new Int32Array(new SharedArrayBuffer(8));
    const iters = 4_000;
    const ws = [11, 12, 13].map((seed) =>
      workers.start(lockWorker, {
        mode: 'paced-hammer',
        kind,
        lock,
        counter,
        inside: inside.buffer,
        start: start.buffer,
        iters,
        seed: seed + (kind === 'RLock' ? 100 : 0),
      }),
    );
    const results = ws.map((w) => nextMessage(w));
    await until(() => Atomics.load(start, 1) === 3, 'workers to arrive');
    Atomics.store(start, 0, 1);
    Atomics.notify(start, 0);
    // The main thread takes its turns asynchronously (parks a promise, sets PARKED as before).
    const rand = mulberry32(kind === 'RLock' ? 7 : 5);
    const c32 = new Int32Array(counter);
    let mainOps = 0;
    let mainViolations = 0;
    let pending = results.length;
    for (const r of results) r.then(() => pending--);
    while (pending > 0) {
      await lock.withLockAsync(() => {
        if (Atomics.add(inside, 0, 1) !== 0) mainViolations++;
        c32[0] = c32[0] + 1;
        mainOps++;
        Atomics.sub(inside, 0, 1);
      });
      await new Promise((res) => setTimeout(res, rand() * 3));
    }
    const rs = await Promise.all(results);
    assert.deepEqual(
      rs.map((r) => r.violations),
      [0, 0, 0],
    );
    assert.equal(mainViolations, 0);
    const ops = rs.reduce((s, r) => s + r.ops, 0) + mainOps;
    assert.equal(c32[0], ops, 'every increment made under the lock is there');
    assert.ok(
      rs.every((r) => r.ops > 0),
      'every worker got the lock',
    );
    assert.equal(word(lock)[0], 0, 'free, with no PARKED, STARVING or RESERVED left behind');
  });
}
