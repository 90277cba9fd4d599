// Event: Python's threading.Event, including set-then-clear waking every blocked waiter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Barrier, Event, revive } from '../src/index.js';
import { T, Worker, delay, fixture } from './support.js';
import { EVENT_STATE } from '../src/sync/event.js';
import * as S from '../src/index.js';
import { TIMEOUT_CASES, asTimeout, label, pythonRule, stillWaiting } from './timeout-table.js';

/**
 * Resolves once `n` threads are parked on the event's word at the same instant. Atomics.notify
 * returns how many it woke; waking a waiter whose word did not change is a spurious wake-up that
 * Event.wait absorbs (it re-parks), so probing changes nothing the test checks.
 */
async function untilParked(event: Event, n: number): Promise<void> {
  const i32 = new Int32Array(event.buffer, event.byteOffset, 1);
  const stop = Date.now() + 20_000;
  while (Atomics.notify(i32, EVENT_STATE) < n) {
    if (Date.now() > stop) throw new Error(`fewer than ${n} waiters ever parked`);
    await delay(5);
  }
}

test('Event: set() at once followed by clear() wakes every blocked waiter, and each wait returns true', {
  timeout: 60_000,
}, async () => {
  for (let round = 0; round < 3; round++) {
    const event = new Event();
    const workers = Array.from(
      { length: 4 },
      (_, i) =>
        new Worker(fixture('event-waiter'), { workerData: { event, how: i % 2 ? 'from' : 'revive', timeout: 30_000 } }),
    );
    try {
      const results = workers.map((w) => once(w, 'message').then(([m]) => m));
      // Async waiters on this thread park through waitAsync on the same word.
      const asyncWaits = [event.waitAsync(30_000), event.waitAsync(T)];
      await untilParked(event, 4 + 2);
      event.set();
      event.clear();
      assert.equal(event.isSet(), false);
      for (const m of await Promise.all(results)) assert.equal(m.result, true);
      assert.deepEqual(await Promise.all(asyncWaits), [true, true]);
      // A wait that starts after the clear blocks again.
      assert.equal(await event.waitAsync(20), false);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }
});

test('Event: wait times out with false, returns true at once when set, and set() is sticky until clear()', {
  timeout: 30_000,
}, async () => {
  const event = new Event();
  assert.equal(event.isSet(), false);
  assert.equal(event.wait(0), false);
  assert.equal(event.wait(15), false);
  assert.equal(await event.waitAsync(15), false);
  const w = new Worker(fixture('event-waiter'), { workerData: { event, how: 'from', timeout: 40 } });
  try {
    const [m] = await once(w, 'message');
    assert.equal(m.result, false);
    assert.equal(m.isSet, false);
  } finally {
    await w.terminate();
  }
  event.set();
  event.set();
  assert.equal(event.isSet(), true);
  assert.equal(event.wait(), true);
  assert.equal(await event.waitAsync(T), true);
  const w2 = new Worker(fixture('event-waiter'), { workerData: { event, how: 'revive' } });
  try {
    const [m] = await once(w2, 'message');
    assert.equal(m.result, true);
    assert.equal(m.isSet, true);
  } finally {
    await w2.terminate();
  }
  event.clear();
  event.clear();
  assert.equal(event.isSet(), false);
});

test('Event: a waiter woken by set() sees it even if it was parked asynchronously and aborted others share the word', {
  timeout: 30_000,
}, async () => {
  const event = new Event();
  const ac = new AbortController();
  const aborted = event.waitAsync({ signal: ac.signal });
  const kept = event.waitAsync(10_000);
  ac.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  // The abort woke the word; the other waiter absorbed the spurious wake-up and is still waiting.
  const race = await Promise.race([kept, delay(30).then(() => 'pending')]);
  assert.equal(race, 'pending');
  event.set();
  assert.equal(await kept, true);
  await assert.rejects(event.waitAsync({ signal: AbortSignal.abort(new Error('early')) }), /early/);
});

test('Event: lives in a caller region, all-zero memory is an unset event, and misuse is rejected', {
  timeout: 10_000,
}, async () => {
  const sab = new SharedArrayBuffer(16);
  const e = new Event({ buffer: sab, byteOffset: 8 });
  e.set();
  assert.equal(new Int32Array(sab)[2] & 1, 1);
  const copy = Event.from(structuredClone(e));
  assert.equal(copy.isSet(), true);
  assert.equal(copy.byteOffset, 8);
  assert.equal(Event.from(e).isSet(), true);
  const zero = Event.from({ __sabkit: 'Event', buffer: new SharedArrayBuffer(4), byteOffset: 0 });
  assert.equal(zero.isSet(), false);
  assert.equal(zero.wait(0), false);
  assert.ok(revive(structuredClone({ e })).e instanceof Event);

  const cases: [string, () => unknown, string][] = [
    ['timeout not a number', () => e.wait('5' as unknown as number), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['NaN timeout', () => e.wait(NaN), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['string timeout', () => e.wait('5' as unknown as number), 'ERR_SABKIT_INVALID_ARGUMENT'],
    ['from(a number)', () => Event.from(42), 'ERR_SABKIT_REVIVE'],
    ['from(a Barrier)', () => Event.from(new Barrier(2)), 'ERR_SABKIT_REVIVE'],
    [
      'from(past the end)',
      () => Event.from({ __sabkit: 'Event', buffer: sab, byteOffset: 16 }),
      'ERR_SABKIT_INVALID_REGION',
    ],
    ['misaligned region', () => new Event({ buffer: sab, byteOffset: 2 }), 'ERR_SABKIT_INVALID_REGION'],
    ['region too small', () => new Event({ buffer: new SharedArrayBuffer(2) }), 'ERR_SABKIT_INVALID_REGION'],
  ];
  for (const [name, fn, code] of cases) assert.throws(fn, { code }, name);
  await assert.rejects(e.waitAsync(NaN), { code: 'ERR_SABKIT_INVALID_ARGUMENT' });
  await assert.rejects(e.waitAsync({ timeout: 1, signal: 'x' as unknown as AbortSignal }), {
    code: 'ERR_SABKIT_INVALID_ARGUMENT',
  });
});

test('timeout table: Event.wait / waitAsync (Python: a negative timeout does not wait)', {
  timeout: 20_000,
}, async () => {
  for (const t of TIMEOUT_CASES) {
    const e = new Event();
    const timeout = asTimeout(t);
    const name = `Event.wait(${label(t)})`;
    switch (pythonRule(t)) {
      case 'now':
        assert.equal(e.wait(timeout), false, name);
        assert.equal(await e.waitAsync(timeout), false, name);
        assert.equal(await e.waitAsync({ timeout }), false, name);
        break;
      case 'invalid':
        assert.throws(() => e.wait(timeout), S.InvalidArgumentError, name);
        await assert.rejects(e.waitAsync(timeout), S.InvalidArgumentError, name);
        await assert.rejects(e.waitAsync({ timeout }), S.InvalidArgumentError, name);
        break;
      case 'forever':
        assert.equal(await stillWaiting(e.waitAsync(timeout), () => e.set(), name), true, name);
        e.clear();
        assert.equal(await stillWaiting(e.waitAsync({ timeout }), () => e.set(), name), true, name);
        assert.equal(e.wait(timeout), true, `${name} on a set event`);
        break;
    }
  }
});
