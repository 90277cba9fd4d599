// Semaphore and BoundedSemaphore: counting, release(n) wake-ups, misuse, overflow, timeouts, abort,
// sharing and regions, and a 10^6-operation hammer that never admits more holders than permits.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Semaphore,
  BoundedSemaphore,
  Lock,
  revive,
  InvalidArgumentError,
  InvalidRegionError,
  ReviveError,
  SemaphoreOverflowError,
  deserializeError,
  KIND_PROPERTY,
} from '../src/index.js';
import { Workers, semWorker, nextMessage, sleep, until } from './fixtures/lock-harness.js';
import * as S from '../src/index.js';
import { TIMEOUT_CASES, asTimeout, label, pythonRule, stillWaiting } from './timeout-table.js';

const workers = new Workers();
after(() => workers.stopAll());

/** VALUE and NWAITERS words. */
const raw = (s: Semaphore) => new Int32Array(s.buffer, s.byteOffset, Semaphore.BYTE_LENGTH / 4);

test('counting: acquire takes, release(n) returns, tryAcquire at 0 is false', () => {
  const s = new Semaphore(2);
  assert.equal(s.value, 2);
  assert.equal(s.acquire(), true);
  assert.equal(s.tryAcquire(), true);
  assert.equal(s.value, 0);
  assert.equal(s.tryAcquire(), false);
  assert.equal(s.acquire(0), false);
  s.release(2);
  assert.equal(s.value, 2);
  s.release(5);
  assert.equal(s.value, 7, 'a plain Semaphore may grow past its initial value');
  assert.equal(new Semaphore().value, 1);
  assert.equal(new Semaphore(0).value, 0);
  assert.equal(String(new BoundedSemaphore(3)), 'BoundedSemaphore(value=3)');
  assert.ok(new BoundedSemaphore() instanceof Semaphore);
});

test('misuse table: named errors, the count never changes', () => {
  const s = new Semaphore(1);
  const b = new BoundedSemaphore(2);
  const sab = new SharedArrayBuffer(Semaphore.BYTE_LENGTH);
  const cases: [string, () => unknown, new (...a: any[]) => Error, RegExp][] = [
    ['negative initial value', () => new Semaphore(-1), InvalidArgumentError, /value must be an integer from 0/],
    ['fractional initial value', () => new BoundedSemaphore(1.5), InvalidArgumentError, /1\.5/],
    ['string initial value', () => new Semaphore('2' as unknown as number), InvalidArgumentError, /"2"/],
    ['initial value too large', () => new Semaphore(2 ** 31), InvalidArgumentError, /2147483647/],
    ['release(0)', () => s.release(0), InvalidArgumentError, /n must be an integer from 1/],
    ['release(-1)', () => s.release(-1), InvalidArgumentError, /-1/],
    ['release(1.5)', () => s.release(1.5), InvalidArgumentError, /1\.5/],
    ['release(NaN)', () => s.release(NaN), InvalidArgumentError, /NaN/],
    ['release past 2^31-1', () => s.release(2 ** 31 - 1), SemaphoreOverflowError, /above 2147483647/],
    ['bounded overflow', () => b.release(), SemaphoreOverflowError, /above its initial value 2/],
    ['timeout NaN', () => s.acquire(NaN), InvalidArgumentError, /timeout must be/],
    ['timeout NaN', () => b.acquire(NaN), InvalidArgumentError, /NaN/],
    [
      'region too small',
      () => new Semaphore(1, { buffer: new SharedArrayBuffer(64) }),
      InvalidRegionError,
      /needs 256 bytes/,
    ],
    ['misaligned region', () => new Semaphore(1, { buffer: sab, byteOffset: 1 }), InvalidRegionError, /multiple of 4/],
    ['from a Lock', () => Semaphore.from(structuredClone(new Lock())), ReviveError, /serialised Lock/],
    ['Bounded from a Semaphore', () => BoundedSemaphore.from(structuredClone(s)), ReviveError, /serialised Semaphore/],
    ['Semaphore from a Bounded', () => Semaphore.from(structuredClone(b)), ReviveError, /serialised BoundedSemaphore/],
    [
      'from a short buffer',
      () => Semaphore.from({ [KIND_PROPERTY]: 'Semaphore', buffer: new SharedArrayBuffer(16), byteOffset: 0 }),
      InvalidRegionError,
      /needs 256/,
    ],
  ];
  for (const [name, fn, cls, re] of cases) {
    assert.throws(fn, (e: unknown) => e instanceof cls && re.test((e as Error).message), name);
    assert.equal(s.value, 1, name);
    assert.equal(b.value, 2, name);
  }
  assert.equal(
    new Uint8Array(sab).every((x) => x === 0),
    true,
    'a rejected region is not written',
  );
});

test('BoundedSemaphore: release beyond the initial value throws and leaves the count as it was', () => {
  const b = new BoundedSemaphore(3);
  b.acquire();
  b.acquire();
  assert.throws(() => b.release(3), SemaphoreOverflowError);
  assert.equal(b.value, 1);
  b.release(2);
  assert.equal(b.value, 3);
  assert.throws(
    () => b.release(),
    (e: unknown) =>
      e instanceof SemaphoreOverflowError && (e as SemaphoreOverflowError).code === 'ERR_SABKIT_SEMAPHORE_OVERFLOW',
  );
  assert.equal(b.value, 3);
  const z = new BoundedSemaphore(0);
  assert.throws(() => z.release(), SemaphoreOverflowError);
  assert.equal(z.value, 0);
});

test('BoundedSemaphore overflow from another worker, after a revive: same error class, count unchanged', {
  timeout: 20_000,
}, async () => {
  const b = new BoundedSemaphore(1);
  const w = workers.start(semWorker, { mode: 'release', kind: 'BoundedSemaphore', sem: b });
  const err = deserializeError((await nextMessage(w)).error);
  assert.ok(err instanceof SemaphoreOverflowError);
  assert.equal(b.value, 1);
});

test('release(n) wakes exactly n parked workers', { timeout: 30_000 }, async () => {
  const s = new Semaphore(0);
  const ws = [0, 1, 2].map(() =>
    workers.start(semWorker, { mode: 'acquire-report', kind: 'Semaphore', sem: s, timeout: 20_000 }),
  );
  await Promise.all(ws.map((w) => nextMessage(w))); // each is about to acquire
  await until(() => raw(s)[1] === 3, 'three waiters parked');
  const got: number[] = [];
  ws.forEach((w, i) =>
    w.on('message', (m) => {
      if (m.ok) got.push(i);
    }),
  );
  s.release(2);
  await until(() => got.length === 2, 'two acquirers');
  await sleep(50);
  assert.equal(got.length, 2, 'a third waiter did not get a permit that does not exist');
  assert.equal(s.value, 0);
  s.release();
  await until(() => got.length === 3, 'the third acquirer');
  assert.equal(s.value, 0);
  assert.equal(raw(s)[1], 0, 'no waiter left counted');
});

test('timeouts: sync in a worker and async on main return false and leave no waiter counted', {
  timeout: 20_000,
}, async () => {
  const s = new BoundedSemaphore(1);
  s.acquire();
  const w = workers.start(semWorker, { mode: 'acquire-report', kind: 'BoundedSemaphore', sem: s, timeout: 30 });
  await nextMessage(w);
  const m = await nextMessage(w);
  assert.equal(m.ok, false);
  assert.ok(m.elapsed >= 25);
  const t0 = performance.now();
  assert.equal(await s.acquireAsync(20), false);
  assert.ok(performance.now() - t0 >= 15);
  assert.equal(raw(s)[1], 0);
  assert.equal(s.value, 0);
  s.release();
  assert.equal(await s.acquireAsync(0), true);
  s.release();
  assert.equal(s.value, 1);
});

test('abort: acquireAsync rejects with the reason, takes nothing, and later waits still work', {
  timeout: 20_000,
}, async () => {
  const s = new Semaphore(0);
  const ac = new AbortController();
  const p = s.acquireAsync({ signal: ac.signal });
  const q = s.acquireAsync(10_000);
  await sleep(5);
  ac.abort(new Error('no longer needed'));
  await assert.rejects(p, /no longer needed/);
  assert.equal(raw(s)[1], 1, 'only the other waiter is still counted');
  s.release();
  assert.equal(await q, true);
  assert.equal(s.value, 0);
  assert.equal(raw(s)[1], 0);
  await assert.rejects(s.acquireAsync({ signal: AbortSignal.abort(new Error('pre-aborted')) }), /pre-aborted/);
  await assert.rejects(s.acquireAsync({ signal: 'x' as unknown as AbortSignal }), InvalidArgumentError);
});

test('sharing and regions: revive() of nested clones, two semaphores side by side in one buffer', () => {
  const sab = new SharedArrayBuffer(8 + 2 * Semaphore.BYTE_LENGTH + 8);
  const bytes = new Uint8Array(sab);
  bytes.fill(0x77);
  const a = new Semaphore(4, { buffer: sab, byteOffset: 8 });
  const b = new BoundedSemaphore(2, { buffer: sab, byteOffset: 8 + Semaphore.BYTE_LENGTH });
  const live = revive(structuredClone({ list: [a, b] }));
  assert.ok(live.list[0] instanceof Semaphore && !(live.list[0] instanceof BoundedSemaphore));
  assert.ok(live.list[1] instanceof BoundedSemaphore);
  live.list[0].acquire();
  live.list[1].acquire();
  assert.equal(a.value, 3);
  assert.equal(b.value, 1);
  b.release();
  assert.throws(() => live.list[1].release(), SemaphoreOverflowError, 'the bound travels in shared memory');
  for (let i = 0; i < 8; i++) assert.equal(bytes[i], 0x77);
  for (let i = 8 + 2 * Semaphore.BYTE_LENGTH; i < sab.byteLength; i++) assert.equal(bytes[i], 0x77);
  const zero = Semaphore.from({
    [KIND_PROPERTY]: 'Semaphore',
    buffer: new SharedArrayBuffer(Semaphore.BYTE_LENGTH),
    byteOffset: 0,
  });
  assert.equal(zero.value, 0, 'all-zero memory is a Semaphore at 0');
  assert.equal(zero.tryAcquire(), false);
});

for (const kind of ['Semaphore', 'BoundedSemaphore'] as const) {
  test(`hammer (${kind}): 3 workers, 10^6 acquire/release pairs, never more than 2 holders`, {
    timeout: 60_000,
  }, async () => {
    const limit = 2;
    const sem = kind === 'Semaphore' ? new Semaphore(limit) : new BoundedSemaphore(limit);
    const stats = new Int32Array(new SharedArrayBuffer(8));
    const start = new Int32Array(new SharedArrayBuffer(8));
    const iters = 340_000;
    const ws = [21, 22, 23].map((seed) =>
      workers.start(semWorker, {
        mode: 'hammer',
        kind,
        sem,
        stats: stats.buffer,
        start: start.buffer,
        iters,
        seed,
        limit,
      }),
    );
    const results = ws.map((w) => nextMessage(w));
    await until(() => Atomics.load(start, 1) === 3, 'workers to arrive');
    Atomics.store(start, 0, 1);
    Atomics.notify(start, 0);
    const rs = await Promise.all(results);
    assert.deepEqual(
      rs.map((r) => r.violations),
      [0, 0, 0],
    );
    assert.ok(stats[1] <= limit && stats[1] >= 1, `max holders ${stats[1]}`);
    assert.equal(sem.value, limit);
    assert.equal(raw(sem)[1], 0);
  });
}

test('timeout table: Semaphore.acquire / acquireAsync (Python: a negative timeout does not wait)', {
  timeout: 20_000,
}, async () => {
  const s = new Semaphore(0);
  for (const t of TIMEOUT_CASES) {
    const timeout = asTimeout(t);
    const name = `Semaphore.acquire(${label(t)})`;
    switch (pythonRule(t)) {
      case 'now':
        assert.equal(s.acquire(timeout), false, name);
        assert.equal(await s.acquireAsync(timeout), false, name);
        assert.equal(await s.acquireAsync({ timeout }), false, name);
        break;
      case 'invalid':
        assert.throws(() => s.acquire(timeout), S.InvalidArgumentError, name);
        await assert.rejects(s.acquireAsync(timeout), S.InvalidArgumentError, name);
        break;
      case 'forever':
        assert.equal(await stillWaiting(s.acquireAsync({ timeout }), () => s.release(), name), true, name);
        break;
    }
    assert.equal(s.value, 0, name);
    if (pythonRule(t) !== 'invalid') {
      s.release();
      assert.equal(s.acquire(timeout), true, `${name} with a permit there`);
    }
  }
});
