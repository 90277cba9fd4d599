// Issue 20 point 9: a Barrier party that dies at the wrong moment (inside the action, after the
// release but before it left, or while waiting) breaks the barrier for the survivors, who get
// BrokenBarrierError instead of waiting for ever; reset() then makes it usable again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Barrier, BrokenBarrierError, isThreadDead, watchWorker } from '../src/index.js';
import { Worker, delay, messageWith } from './support.js';

const fixture = new URL('./fixtures/barrier-die.js', import.meta.url);
const start = (data: Record<string, unknown>) => {
  const w = new Worker(fixture, { workerData: data });
  watchWorker(w);
  return w;
};

/** Rejects if `p` has not settled within `ms`: the survivors must not wait for ever. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function untilWaiting(b: Barrier, n: number): Promise<void> {
  for (let i = 0; i < 500 && b.nWaiting < n; i++) await delay(5);
  assert.equal(b.nWaiting, n);
}

/** A fresh generation of `parties` passes: the count is right again. */
async function passesAgain(b: Barrier): Promise<void> {
  const ws = Array.from({ length: b.parties - 1 }, () => start({ mode: 'waiter', barrier: b }));
  const mine = b.waitAsync(10_000);
  const got = await Promise.all(ws.map((w) => messageWith(w, 'index', 'error')));
  assert.deepEqual(
    got.map((m) => m.error),
    new Array(ws.length).fill(undefined),
  );
  assert.equal(typeof (await mine), 'number');
}

test('Barrier: the party running the action is terminated; the others get BrokenBarrierError', {
  timeout: 20_000,
}, async () => {
  const b = new Barrier(3, () => {});
  const survivor = start({ mode: 'waiter', barrier: b });
  // No timeout: only the dead-party check can release it. The rejection is awaited from the start:
  // the check may break the barrier before terminate() (or the 'exit' event) has resolved.
  const mine = assert.rejects(b.waitAsync(null), BrokenBarrierError);
  const theirs = messageWith(survivor, 'index', 'error');
  await untilWaiting(b, 2);
  const victim = start({ mode: 'action', barrier: b });
  await messageWith(victim, 'inAction');
  await victim.terminate();
  await within(mine, 5_000, 'main');
  assert.deepEqual(await within(theirs, 5_000, 'worker'), { error: 'BrokenBarrierError' });
  assert.equal(b.broken, true);
  b.reset();
  await passesAgain(b);
});

test('Barrier: a party that calls process.exit inside the action breaks it too', { timeout: 20_000 }, async () => {
  const b = new Barrier(2, () => {});
  // Awaited from the start: the barrier may break before the worker's 'exit' event reaches main.
  const mine = assert.rejects(b.waitAsync(null), BrokenBarrierError);
  await untilWaiting(b, 1);
  const victim = start({ mode: 'exit-in-action', barrier: b });
  assert.equal((await once(victim, 'exit'))[0], 7);
  await within(mine, 5_000, 'main');
  b.reset();
  await passesAgain(b);
});

test('Barrier: a party dead after the release but before it left; the next arrivals get BrokenBarrierError', {
  timeout: 20_000,
}, async () => {
  // The state such a death leaves, written directly (the window is a few instructions wide): the
  // generation was released (DRAINING), one party never left, and it is dead.
  const dead = start({ mode: 'waiter', barrier: new Barrier(1) });
  const deadId = dead.threadId;
  await once(dead, 'exit');
  assert.equal(isThreadDead(deadId), true);
  const b = new Barrier(2, null, null, { buffer: new SharedArrayBuffer(256), byteOffset: 0 });
  const words = new Int32Array(b.buffer, 0, 64);
  words[0] = (1 << 28) | 1; // DRAINING, count 1
  words[6] = deadId + 1; // INSIDE[0]
  const mine = b.waitAsync(null);
  await within(assert.rejects(mine, BrokenBarrierError), 5_000, 'an arrival while it drains');
  assert.throws(() => b.wait(0), BrokenBarrierError);
  b.reset();
  await passesAgain(b);
});

test('Barrier: a waiting party is terminated; the others are told instead of passing without it', {
  timeout: 20_000,
}, async () => {
  const b = new Barrier(3);
  const victim = start({ mode: 'waiter', barrier: b });
  await untilWaiting(b, 1);
  await victim.terminate();
  const mine = b.waitAsync(null);
  const other = start({ mode: 'waiter', barrier: b });
  await within(assert.rejects(mine, BrokenBarrierError), 5_000, 'main');
  assert.deepEqual(await messageWith(other, 'index', 'error'), { error: 'BrokenBarrierError' });
  b.reset();
  await passesAgain(b);
});
