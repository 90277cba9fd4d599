// Fault injection (issue 20), channels: workers put and get numbered items on a Queue,
// JoinableQueue, SimpleQueue and Pipe while one of them is killed at a random point (process.exit,
// an uncaught throw, terminate()). Invariants: no deadlock (fault-harness.ts), no item delivered
// twice, and no item lost except the one a dead worker had in hand: each kill may lose at most one
// (the item it was putting, or the one it had taken and not yet recorded), as documented in the
// README ("When a thread dies").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Empty, JoinableQueue, Pipe, Queue, SimpleQueue, TimeoutError } from '../src/index.js';
import * as F from './fault-layout.js';
import { ROUNDS, TEST_LIMIT_MS, runFaults } from './fault-harness.js';

/** Item ids are allocated 2 per worker per round, plus the terminate victims' extra rounds. */
const newSeen = () => new Int32Array(new SharedArrayBuffer(4 * (ROUNDS * F.WORKERS * 2 + 1_000_000)));

function checkItems(seen: Int32Array, issued: number, kills: number, drain: () => number | undefined): number {
  for (let x = drain(); x !== undefined; x = drain()) {
    assert.equal(Atomics.add(seen, x, 1), 0, `item ${x} delivered twice`);
  }
  let lost = 0;
  for (let i = 0; i < issued; i++) {
    const n = Atomics.load(seen, i);
    assert.ok(n <= 1, `item ${i} delivered ${n} times`);
    if (n === 0) lost++;
  }
  assert.ok(lost <= kills, `${lost} items lost with ${kills} kills (at most one per kill)`);
  return lost;
}

for (const kind of ['Queue', 'JoinableQueue', 'SimpleQueue'] as const) {
  test(`fault injection: ${kind}, ${ROUNDS} rounds: no duplicate, at most the dead worker's item lost`, {
    timeout: TEST_LIMIT_MS,
  }, async (t) => {
    const q =
      kind === 'Queue'
        ? new Queue<number>({ capacityBytes: 4096 })
        : kind === 'JoinableQueue'
          ? new JoinableQueue<number>({ capacityBytes: 4096 })
          : new SimpleQueue<number>({ capacityBytes: 4096 });
    const seen = newSeen();
    const { ctl, kills } = await runFaults(t, { kind, obj: { q }, seen });
    const lost = checkItems(seen, Atomics.load(ctl, F.SEQ), kills, () => {
      try {
        const x = q.get(0);
        if (q instanceof JoinableQueue) q.taskDone();
        return x;
      } catch (e) {
        if (e instanceof Empty) return undefined;
        throw e;
      }
    });
    t.diagnostic(`${kind}: ${Atomics.load(ctl, F.SEQ)} items, ${lost} lost with ${kills} kills`);
    assert.equal(q.empty(), true);
    // Still usable: an item goes through.
    q.put(-1, 1_000);
    assert.equal(q.get(1_000), -1);
    if (q instanceof JoinableQueue) {
      q.taskDone();
      // Only items a dead consumer had taken stay unfinished (as in Python).
      assert.ok(q.join(0) || kills > 0, 'no kill, so every item was taskDone()');
    }
  });
}

test(`fault injection: Pipe, ${ROUNDS} rounds: no duplicate, at most the dead worker's item lost`, {
  timeout: TEST_LIMIT_MS,
}, async (t) => {
  const [a, b] = Pipe(true, { capacityBytes: 4096 });
  const seen = newSeen();
  const { ctl, kills } = await runFaults(t, { kind: 'Pipe', obj: { a, b }, seen });
  const lost = checkItems(seen, Atomics.load(ctl, F.SEQ), kills, () => {
    if (!b.poll(0)) return undefined;
    try {
      return b.recv(0) as number;
    } catch (e) {
      if (e instanceof TimeoutError) return undefined;
      throw e;
    }
  });
  t.diagnostic(`Pipe: ${Atomics.load(ctl, F.SEQ)} items, ${lost} lost with ${kills} kills`);
  a.send('still usable');
  assert.equal(b.recv(1_000), 'still usable');
});
