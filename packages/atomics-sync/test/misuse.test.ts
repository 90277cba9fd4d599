// Misuse tables (issue 20), one per primitive: bad input on each public entry point (wrong types,
// out-of-range sizes and offsets, closed objects, oversized messages, non-cloneable values, revived
// garbage) throws a named sabkit error with a stable code, and the object stays usable afterwards
// (a real operation on it succeeds). The per-file tables (lock.test.ts, queue.test.ts, ...) check
// messages in detail; this one sweeps every kind with the same rules, including garbage memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  JoinableQueue,
  Lock,
  Pipe,
  Queue,
  RLock,
  SabkitError,
  Semaphore,
  SharedArray,
  SimpleQueue,
  Value,
  Connection,
} from '../src/index.js';
import { mulberry32 } from './prng.js';

type Case = [string, () => unknown];

/** Every case throws (or rejects with) a SabkitError with an ERR_SABKIT_ code; then `usable` runs. */
async function table(kind: string, cases: Case[], usable: () => unknown): Promise<void> {
  for (const [name, f] of cases) {
    if (process.env.MISUSE_TRACE) console.log(kind, name);
    let err: unknown;
    try {
      await f();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof SabkitError, `${kind}: ${name}: expected a named sabkit error, got ${err}`);
    assert.match((err as SabkitError).code, /^ERR_SABKIT_[A-Z_]+$/, `${kind}: ${name}: code`);
    assert.ok((err as Error).message.length > 10, `${kind}: ${name}: a message`);
    await usable();
  }
}

const BAD_TIMEOUTS: unknown[] = [Number.NaN, '5', -2n, true];
const BAD_REGIONS: unknown[] = [
  { buffer: new ArrayBuffer(1024), byteOffset: 0 },
  { buffer: new SharedArrayBuffer(1024), byteOffset: 3 },
  { buffer: new SharedArrayBuffer(1024), byteOffset: -8 },
  { buffer: new SharedArrayBuffer(1024), byteOffset: 1_000_000 },
  { buffer: new SharedArrayBuffer(2), byteOffset: 0 },
  { buffer: 'memory', byteOffset: 0 },
];
const fn = () => 1;

/** Descriptors of `kind` over memory full of seeded random bytes, and other things that are not one. */
function garbage(kind: string): unknown[] {
  const rng = mulberry32(kind.length);
  const sab = new SharedArrayBuffer(1 << 16);
  const u8 = new Uint8Array(sab);
  for (let i = 0; i < u8.length; i++) u8[i] = Math.floor(rng() * 256);
  return [
    { __sabkit: kind, buffer: sab, byteOffset: 0 },
    { __sabkit: kind, buffer: sab, byteOffset: 64 },
    { __sabkit: kind, buffer: new SharedArrayBuffer(4), byteOffset: 0 },
    { __sabkit: kind, buffer: new ArrayBuffer(64), byteOffset: 0 },
    { __sabkit: 'NoSuchKind', buffer: sab, byteOffset: 0 },
    { __sabkit: kind },
    null,
    42,
    'Queue',
  ];
}

/** Revive-from-garbage cases for `from`: each must be refused with a named error (never a crash or a hang). */
function reviveCases(kind: string, from: (v: unknown) => unknown): Case[] {
  const g = garbage(kind);
  return g.map((v, i) => [`from(garbage ${i})`, () => from(v)] as Case);
}

test('misuse: Lock and RLock', { timeout: 20_000 }, async () => {
  for (const [kind, L] of [
    ['Lock', Lock],
    ['RLock', RLock],
  ] as const) {
    const l = new L();
    const cases: Case[] = [
      ...BAD_TIMEOUTS.map((t) => [`acquire(${String(t)})`, () => l.acquire(t as number)] as Case),
      ...BAD_TIMEOUTS.map((t) => [`acquireAsync(${String(t)})`, () => l.acquireAsync(t as number)] as Case),
      ['release unlocked', () => l.release()],
      ['withLock(not a function)', () => l.withLock(42 as unknown as () => void)],
      [
        'onOwnerDead = 1',
        () => {
          l.onOwnerDead = 1 as unknown as () => void;
        },
      ],
      ...BAD_REGIONS.map((r, i) => [`new ${kind}(bad region ${i})`, () => new L(r as never)] as Case),
      // Any 4 bytes are some lock state (all-zero is unlocked): garbage 0-2 are valid memory for one.
      ...reviveCases(kind, (v) => L.from(v)).filter(([n]) => !/garbage [012]\)/.test(n)),
    ];
    await table(kind, cases, () => {
      assert.equal(l.acquire(100), true);
      l.release();
    });
  }
});

test('misuse: Semaphore and BoundedSemaphore', { timeout: 20_000 }, async () => {
  for (const [kind, S] of [
    ['Semaphore', Semaphore],
    ['BoundedSemaphore', BoundedSemaphore],
  ] as const) {
    const s = new S(1);
    const cases: Case[] = [
      ['value -1', () => new S(-1)],
      ['value 1.5', () => new S(1.5)],
      ['value "1"', () => new S('1' as unknown as number)],
      ['value 2^31', () => new S(2 ** 31)],
      ...BAD_TIMEOUTS.map((t) => [`acquire(${String(t)})`, () => s.acquire(t as number)] as Case),
      ...BAD_TIMEOUTS.map((t) => [`acquireAsync(${String(t)})`, () => s.acquireAsync(t as number)] as Case),
      ['release(0)', () => s.release(0)],
      ['release(-1)', () => s.release(-1)],
      ['release("1")', () => s.release('1' as unknown as number)],
      ['release(2^31)', () => s.release(2 ** 31)],
      ...BAD_REGIONS.map((r, i) => [`new ${kind}(1, bad region ${i})`, () => new S(1, r as never)] as Case),
      // Random bytes over a semaphore's 256 are a semaphore with some value (no magic word to check).
      ...reviveCases(kind, (v) => S.from(v)).filter(([n]) => !/garbage [01]\)/.test(n)),
    ];
    if (kind === 'BoundedSemaphore') cases.push(['release past the bound', () => s.release()]);
    await table(kind, cases, () => {
      assert.equal(s.acquire(100), true);
      s.release();
    });
    assert.equal(s.value, 1, 'the count never changed');
  }
});

test('misuse: Condition, Event, Barrier', { timeout: 20_000 }, async () => {
  const c = new Condition(new Lock());
  const under = <T>(f: () => T): T => {
    c.acquire();
    try {
      return f();
    } finally {
      c.release();
    }
  };
  await table(
    'Condition',
    [
      ['wait without the lock', () => c.wait(10)],
      ['notify without the lock', () => c.notify()],
      ['notify(-1)', () => under(() => c.notify(-1))],
      ['notify("1")', () => under(() => c.notify('1' as unknown as number))],
      ...BAD_TIMEOUTS.map((t) => [`wait(${String(t)})`, () => under(() => c.wait(t as number))] as Case),
      ['waitFor(not a function)', () => under(() => c.waitFor(42 as unknown as () => boolean, 10))],
      ['capacity 0', () => new Condition(new Lock(), { capacity: 0 })],
      ['capacity 2^20', () => new Condition(new Lock(), { capacity: 2 ** 20 })],
      ['lock not a lock', () => new Condition(42 as unknown as Lock)],
      ...reviveCases('Condition', (v) => Condition.from(v)),
    ],
    () => under(() => c.notifyAll()),
  );
  const e = new Event();
  await table(
    'Event',
    [
      ...BAD_TIMEOUTS.map((t) => [`wait(${String(t)})`, () => e.wait(t as number)] as Case),
      ...BAD_TIMEOUTS.map((t) => [`waitAsync(${String(t)})`, () => e.waitAsync(t as number)] as Case),
      ...BAD_REGIONS.map((r, i) => [`new Event(bad region ${i})`, () => new Event(r as never)] as Case),
      ...reviveCases('Event', (v) => Event.from(v)).filter(([n]) => !/garbage [012]\)/.test(n)),
    ],
    () => {
      e.set();
      assert.equal(e.wait(0), true);
      e.clear();
    },
  );
  const b = new Barrier(1);
  await table(
    'Barrier',
    [
      ['parties 0', () => new Barrier(0)],
      ['parties "2"', () => new Barrier('2' as unknown as number)],
      ['action 42', () => new Barrier(2, 42 as unknown as () => void)],
      ...BAD_TIMEOUTS.map((t) => [`wait(${String(t)})`, () => b.wait(t as number)] as Case),
      ...BAD_REGIONS.map(
        (r, i) => [`new Barrier(2, bad region ${i})`, () => new Barrier(2, null, null, r as never)] as Case,
      ),
      ...reviveCases('Barrier', (v) => Barrier.from(v)),
    ],
    () => assert.equal(b.wait(1_000), 0),
  );
});

test('misuse: Value and Array', { timeout: 20_000 }, async () => {
  const v = new Value('i', 1);
  const a = new SharedArray('d', 4);
  await table(
    'Value',
    [
      ['typecode "zz"', () => new Value('zz' as 'i', 0)],
      ['value "x" for an int', () => new Value('i', 'x' as unknown as number)],
      ['set a string', () => (v.value = 'x' as unknown as number)],
      ['lock 42', () => new Value('i', 0, { lock: 42 as unknown as Lock })],
      ...reviveCases('Value', (x) => Value.from(x)),
    ],
    () => {
      v.value = 2;
      assert.equal(v.value, 2);
    },
  );
  await table(
    'Array',
    [
      ['length -1', () => new SharedArray('d', -1)],
      ['length 2^40', () => new SharedArray('d', 2 ** 40)],
      ['get(4)', () => a.get(4)],
      ['get(-5)', () => a.get(-5)],
      ['get(1.5)', () => a.get(1.5)],
      ['set(0, "x")', () => a.set(0, 'x' as unknown as number)],
      ['set(9, 1)', () => a.set(9, 1)],
      ...reviveCases('Array', (x) => SharedArray.from(x)),
    ],
    () => {
      a.set(3, 1.5);
      assert.equal(a.get(3), 1.5);
    },
  );
});

test('misuse: Queue, JoinableQueue, SimpleQueue, Pipe', { timeout: 30_000 }, async () => {
  for (const [kind, Q] of [
    ['Queue', Queue],
    ['JoinableQueue', JoinableQueue],
    ['SimpleQueue', SimpleQueue],
  ] as const) {
    const q = new Q({ capacityBytes: 4096 });
    const closed = new Q({ capacityBytes: 4096 });
    closed.close();
    const cases: Case[] = [
      ['capacityBytes 1', () => new Q({ capacityBytes: 1 })],
      ['capacityBytes "4096"', () => new Q({ capacityBytes: '4096' as unknown as number })],
      ['capacityBytes 2^40', () => new Q({ capacityBytes: 2 ** 40 })],
      ['options 42', () => new Q(42 as never)],
      ...BAD_REGIONS.map((r, i) => [`new ${kind}(bad region ${i})`, () => new Q(r as never)] as Case),
      ['put(a function)', () => q.put(fn as never, 0)],
      ['put(a symbol)', () => q.put(Symbol('s') as never, 0)],
      ['put({ f: function })', () => q.put({ f: fn } as never, 0)],
      ['putAsync(a function)', () => q.putAsync(fn as never, 0)],
      ...BAD_TIMEOUTS.map((t) => [`put(1, ${String(t)})`, () => q.put(1 as never, t as number)] as Case),
      ...BAD_TIMEOUTS.map((t) => [`get(${String(t)})`, () => q.get(t as number)] as Case),
      ['put on a closed queue', () => closed.put(1 as never, 0)],
      ['get on a closed, empty queue', () => closed.get(0)],
      ...reviveCases(kind, (v) => Q.from(v)),
    ];
    if (q instanceof JoinableQueue) cases.push(['taskDone too many', () => q.taskDone()]);
    await table(kind, cases, () => {
      q.put(7 as never, 100);
      assert.equal(q.get(100), 7);
      if (q instanceof JoinableQueue) q.taskDone();
    });
    assert.equal(q.empty(), true, `${kind}: nothing half-put by a refused item`);
  }
  const [a, b] = Pipe();
  const [r1, w1] = Pipe(false);
  await table(
    'Pipe',
    [
      ['Pipe("yes")', () => Pipe('yes' as unknown as boolean)],
      ['Pipe(true, { capacityBytes: 3 })', () => Pipe(true, { capacityBytes: 3 })],
      ['send(a function)', () => a.send(fn)],
      ['sendBytes(42)', () => a.sendBytes(42 as never)],
      ['sendBytes offset past the end', () => a.sendBytes(new Uint8Array(4), 5)],
      ['sendBytes size past the end', () => a.sendBytes(new Uint8Array(4), 1, 4)],
      ['recvBytes(maxLength -1)', () => b.recvBytes(-1, 0)],
      ['recvBytesInto(42)', () => b.recvBytesInto(42 as never, 0, 0)],
      ['send on the receive-only end', () => r1.send(1)],
      ['recv on the send-only end', () => w1.recv(0)],
      ['new Connection()', () => new (a.constructor as new () => unknown)()],
      ...reviveCases('Connection', (v) => Connection.from(v)),
    ],
    () => {
      a.send('ok');
      assert.equal(b.recv(100), 'ok');
    },
  );
  // An oversized item is refused before anything is written (PayloadTooLargeError), where the
  // machine can reserve it; covered with its exact message by queue.test.ts.
});

test('misuse: a queue whose memory was overwritten with garbage fails by name, never loops or overruns', {
  timeout: 20_000,
}, () => {
  const rng = mulberry32(7);
  for (let trial = 0; trial < 200; trial++) {
    const q = new Queue<number>({ capacityBytes: 4096 });
    q.put(1);
    const i32 = new Int32Array(q.buffer);
    const base = (q.byteOffset + 64) / 4;
    // Garbage records in the data area, and a TAIL that claims some of them were published.
    const data = new Uint8Array(q.buffer, q.byteOffset + 64 + 384, 4096);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng() * 256);
    if (trial % 4 === 0) data.fill(0, 0, 8); // a zero-length PAD at HEAD: the loop of old
    Atomics.store(i32, base + 32, 8 * (1 + Math.floor(rng() * 512)));
    for (let k = 0; k < 3; k++) {
      try {
        q.get(0);
      } catch (e) {
        assert.ok(e instanceof SabkitError, `trial ${trial}: ${e}`);
      }
    }
  }
});
