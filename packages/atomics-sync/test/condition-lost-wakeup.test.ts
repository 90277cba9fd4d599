// Issue 20 point 10: a notifier killed between marking a waiter NOTIFIED and waking it must not
// lose the wake-up: the waiter finds the mark on its own within a poll, also without a timeout.
// The memory such a death leaves is written directly (the window is two instructions wide; the
// fault-injection suite kills notifiers at random points too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Condition, Lock } from '../src/index.js';
import { delay, messageWith, startWatched } from './support.js';

const fixture = new URL('./fixtures/cond-once.js', import.meta.url);
const NOTIFIED = 2;

for (const lockKind of ['Lock', 'RLock (default)'] as const) {
  test(`Condition (${lockKind}): a waiter marked NOTIFIED whose notifier died before waking it still returns true`, {
    timeout: 20_000,
  }, async () => {
    const cond = lockKind === 'Lock' ? new Condition(new Lock()) : new Condition();
    const w = startWatched(fixture, { cond });
    const result = messageWith(w, 'notified');
    await messageWith(w, 'waiting');
    const i32 = new Int32Array(cond.buffer, cond.byteOffset, Condition.byteLength(cond.capacity) / 4);
    for (let i = 0; i < 400 && Atomics.load(i32, 0) !== 1; i++) await delay(5);
    assert.equal(Atomics.load(i32, 0), 1, 'one waiter parked');
    // What notify() does, up to the point where the notifier is killed: the CAS and the count,
    // under the lock, but no Atomics.notify.
    assert.equal(await cond.acquireAsync(5_000), true);
    let marked = 0;
    for (let s = 2; s < i32.length; s += 3) {
      if (Atomics.compareExchange(i32, s, 1, NOTIFIED) === 1) {
        Atomics.sub(i32, 0, 1);
        marked++;
      }
    }
    assert.equal(marked, 1);
    cond.release();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('the waiter is still asleep after 5 s: wake-up lost')), 5_000);
    });
    assert.deepEqual(await Promise.race([result, late]).finally(() => clearTimeout(timer)), { notified: true });
  });
}

test('Condition: waitAsync marked NOTIFIED without a wake-up resolves true', { timeout: 20_000 }, async () => {
  const cond = new Condition(new Lock());
  await cond.acquireAsync();
  const p = cond.waitAsync(); // releases the lock while it waits
  const i32 = new Int32Array(cond.buffer, cond.byteOffset, Condition.byteLength(cond.capacity) / 4);
  assert.equal(Atomics.load(i32, 0), 1);
  assert.equal(Atomics.compareExchange(i32, 2, 1, NOTIFIED), 1);
  Atomics.sub(i32, 0, 1);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('waitAsync still pending after 5 s: wake-up lost')), 5_000);
  });
  assert.equal(await Promise.race([p, late]).finally(() => clearTimeout(timer)), true);
  cond.release();
});

test('Event: a setter killed between its CAS and its notify does not lose the wake-up', {
  timeout: 20_000,
}, async () => {
  const { Event } = await import('../src/index.js');
  const e = new Event();
  const p = e.waitAsync(); // parked on the clear word
  await delay(10);
  // What set() does up to the point where the setter is killed: the CAS, no Atomics.notify.
  const i32 = new Int32Array(e.buffer, e.byteOffset, 1);
  Atomics.store(i32, 0, (Atomics.load(i32, 0) + 2) | 1);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('Event.waitAsync still pending after 5 s: wake-up lost')), 5_000);
  });
  assert.equal(await Promise.race([p, late]).finally(() => clearTimeout(timer)), true);
});
