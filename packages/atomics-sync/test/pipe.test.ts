// Pipe and Connection: duplex and one-way, EOF, poll, bytes (into, larger than the ring), several
// threads on one end, aborts, revive, misuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ClosedError,
  Connection,
  EOFError,
  codec,
  InvalidArgumentError,
  PayloadTooLargeError,
  Pipe,
  ReviveError,
  pipeByteLength,
  revive,
} from '../src/index.js';
import { messageWith, startWatched } from './support.js';
import { mulberry32 } from './prng.js';
import * as S from '../src/index.js';
import { TIMEOUT_CASES, asTimeout, label, pythonRule, stillWaiting } from './timeout-table.js';

const fixture = new URL('./fixtures/pipe-worker.js', import.meta.url);

const start = (data: Record<string, unknown>) => startWatched(fixture, data);
const message = messageWith;

test('duplex: both ends send and receive, in order, across a worker; EOF after close', {
  timeout: 30_000,
}, async () => {
  const [a, b] = Pipe();
  assert.equal(a.readable && a.writable && b.readable && b.writable, true);
  const w = start({ role: 'echo', conn: b });
  try {
    const values = [1, 'two', { three: [3] }, new Map([[4, 4n]]), undefined, null, -0];
    for (const v of values) {
      await a.sendAsync(v);
      assert.deepStrictEqual(await a.recvAsync(), v);
    }
    for (let i = 0; i < 1000; i++) a.send(i); // ring big enough: no need to read meanwhile
    for (let i = 0; i < 1000; i++) assert.equal(await a.recvAsync(), i);
    a.close();
    const m = await message(w, 'done');
    assert.equal(m.n, values.length + 1000);
    assert.equal(b.closed, true, 'the worker closed its end, and the flag is shared');
    await assert.rejects(a.recvAsync(), ClosedError, 'our own end is closed');
  } finally {
    await w.terminate();
  }
});

test('EOF: the receiver drains what was sent, then gets EOFError; poll says true at EOF', {
  timeout: 30_000,
}, async () => {
  const [r, s] = Pipe(false);
  const w = start({ role: 'send-then-close', conn: s, count: 5 });
  try {
    await message(w, 'done');
    for (let i = 0; i < 5; i++) {
      assert.equal(r.poll(), true);
      assert.equal(r.recv(), i);
    }
    assert.equal(r.poll(), true, 'poll is true at EOF, as in Python');
    assert.throws(() => r.recv(), EOFError);
    await assert.rejects(r.recvAsync(), EOFError);
    assert.throws(() => r.recvBytes(), EOFError);
  } finally {
    await w.terminate();
  }
});

test('one-way: [receive-only, send-only]; wrong-direction calls throw ClosedError', { timeout: 10_000 }, () => {
  const [r, s] = Pipe(false);
  assert.deepEqual([r.readable, r.writable, s.readable, s.writable], [true, false, false, true]);
  assert.throws(
    () => r.send(1),
    (e: unknown) => e instanceof ClosedError && /receive-only/.test((e as Error).message),
  );
  assert.throws(
    () => s.recv(),
    (e: unknown) => e instanceof ClosedError && /send-only/.test((e as Error).message),
  );
  assert.throws(() => s.poll(), ClosedError);
  s.send('x');
  assert.equal(r.recv(), 'x');
  assert.equal(pipeByteLength(false, 64) < pipeByteLength(true, 64), true);
  r.close();
  assert.throws(
    () => s.send('y'),
    (e: unknown) => e instanceof ClosedError && /broken pipe/.test((e as Error).message),
  );
  assert.equal(s.closed, false);
  assert.equal(r.closed, true);
});

test('poll: undefined answers at once, a number waits, null waits as long as it takes', {
  timeout: 30_000,
}, async () => {
  const [a, b] = Pipe();
  assert.equal(a.poll(), false);
  assert.equal(a.poll(0), false);
  const t0 = performance.now();
  assert.equal(a.poll(30), false);
  assert.ok(performance.now() - t0 >= 29);
  assert.equal(await a.pollAsync(20), false);
  setTimeout(() => b.send('late'), 20);
  assert.equal(await a.pollAsync(null), true);
  assert.equal(a.poll(), true, 'poll does not consume');
  assert.equal(a.recv(), 'late');
  const ac = new AbortController();
  const p = a.pollAsync({ timeout: null, signal: ac.signal });
  ac.abort(new Error('stop polling'));
  await assert.rejects(p, /stop polling/);
});

test('bytes: sendBytes with offset and size, recvBytes(maxLength), recvBytesInto(buffer, offset)', {
  timeout: 10_000,
}, () => {
  const [a, b] = Pipe();
  const src = new Uint16Array([0x0201, 0x0403, 0x0605]);
  a.sendBytes(src, 1, 4); // bytes, not elements, as Python's send_bytes on a memoryview cast to 'B'
  assert.deepEqual([...b.recvBytes()], [2, 3, 4, 5]);
  a.sendBytes(new Uint8Array(0));
  assert.equal(b.recvBytes().byteLength, 0, 'an empty message is a message');
  a.sendBytes(new Uint8Array([9, 9, 9, 9, 9]).buffer);
  assert.throws(
    () => b.recvBytes(4),
    (e: unknown) =>
      e instanceof PayloadTooLargeError &&
      /5 bytes, more than maxLength 4; it was left unread/.test((e as Error).message),
  );
  const into = new Uint8Array(8);
  assert.throws(
    () => b.recvBytesInto(into, 4),
    (e: unknown) => e instanceof PayloadTooLargeError && /4 bytes of room at offset 4/.test((e as Error).message),
  );
  assert.equal(b.recvBytesInto(into, 3), 5);
  assert.deepEqual([...into], [0, 0, 0, 9, 9, 9, 9, 9]);
  a.send({ v: 1 });
  const enc = b.recvBytes();
  assert.ok(enc.byteLength > 1, 'recvBytes of a send() message returns its encoding');
  a.sendBytes(new Uint8Array([1, 2]));
  assert.deepEqual(b.recv(), new Uint8Array([1, 2]), 'recv of a sendBytes message returns its bytes');
  const shared = new Int32Array(new SharedArrayBuffer(8));
  a.sendBytes(new Uint8Array([5, 0, 0, 0, 6, 0, 0, 0]));
  assert.equal(b.recvBytesInto(shared), 8);
  assert.deepEqual([...shared], [5, 6], 'into a SharedArrayBuffer-backed view');
});

test('bytes and values larger than the ring travel in chunks, both ways, with recvBytesInto straight into place', {
  timeout: 30_000,
}, async () => {
  const [a, b] = Pipe(true, { capacityBytes: 256 });
  const w = start({ role: 'echo-bytes', conn: b });
  try {
    for (const n of [119, 120, 121, 255, 256, 257, 5000, 200_000]) {
      const u8 = new Uint8Array(n).map((_, i) => (i * 31 + n) & 255);
      const sending = a.sendBytesAsync(u8);
      const into = new Uint8Array(n + 3);
      assert.equal(await a.recvBytesIntoAsync(into, 3), n);
      await sending;
      assert.deepEqual(into.subarray(3), u8, `${n} bytes`);
    }
    const big = { s: 'é'.repeat(10_000), arr: Array.from({ length: 500 }, (_, i) => i) };
    const sending = a.sendAsync(big);
    // The worker echoes bytes: what comes back is the value's encoding, which codec.decode reverses.
    const enc = (await a.recvAsync()) as Uint8Array;
    assert.deepStrictEqual(codec.decode(enc, 0, enc.byteLength), big, 'an encoded value larger than the ring');
    await sending;
    const tooBig = a.sendBytesAsync(new Uint8Array(1000));
    await assert.rejects(a.recvBytesAsync(999), PayloadTooLargeError, 'the total is checked on the first chunk');
    assert.equal((await a.recvBytesAsync(1000)).byteLength, 1000);
    await tooBig;
    a.close();
    await message(w, 'done');
  } finally {
    await w.terminate();
  }
});

test('an aborted chunked send is dropped by the receiver, which then gets the next message', {
  timeout: 30_000,
}, async () => {
  const [a, b] = Pipe(true, { capacityBytes: 256 });
  const ac = new AbortController();
  const sending = a.sendBytesAsync(new Uint8Array(10_000), 0, undefined, { signal: ac.signal });
  await new Promise((r) => setTimeout(r, 10)); // first chunk written, the sender waits for room
  ac.abort(new Error('withdrawn'));
  await assert.rejects(sending, /withdrawn/);
  // The partial message and its ABORT record fill the ring: the next send waits for the reader.
  const [, got] = await Promise.all([a.sendAsync('next'), b.recvAsync()]);
  assert.equal(got, 'next');
  assert.equal(b.poll(), false);
});

test('one end used by several threads at once: every message arrives whole', { timeout: 60_000 }, async () => {
  const [r, s] = Pipe(false, { capacityBytes: 512 });
  const S = 3,
    N = 300;
  const senders = Array.from({ length: S }, (_, id) =>
    start({ role: 'send-many', conn: s, id, count: N, size: 100 + id * 300 }),
  );
  const done = Promise.all(senders.map((w) => message(w, 'done'))); // listen before they can finish
  try {
    const next = new Array<number>(S).fill(0);
    for (let k = 0; k < S * N; k++) {
      const [id, i, filler] = (await r.recvAsync()) as [number, number, string];
      assert.equal(i, next[id], `sender ${id}'s messages arrive in its order`);
      assert.equal(filler, 'z'.repeat(100 + id * 300));
      next[id]++;
    }
    await done;
    assert.equal(r.poll(), false);
  } finally {
    await Promise.all(senders.map((w) => w.terminate()));
  }
});

test('a close racing with a blocked recv or send always wakes it (no lost wake-up)', { timeout: 60_000 }, async () => {
  // The other end closes at random moments around the blocked call's check-then-park; a wake-up
  // lost in that window would hang this test.
  const N = 120;
  const pipes = Array.from({ length: N }, () => Pipe(true, { capacityBytes: 256 }));
  const progress = new Int32Array(new SharedArrayBuffer(4));
  const w = start({ role: 'close-race', conns: pipes.map(([, b]) => b), progress: progress.buffer, conn: undefined });
  const done = message(w, 'done');
  const rnd = mulberry32(7);
  try {
    for (let i = 0; i < N; i++) {
      // Spin (not await) so that the close lands within microseconds of the worker's announcement.
      const limit = performance.now() + 10_000;
      while (Atomics.load(progress, 0) < i + 1)
        if (performance.now() > limit) assert.fail(`worker stuck before call ${i}`);
      const until = performance.now() + rnd() * 0.1; // 0-100 µs after the worker announced
      while (performance.now() < until);
      pipes[i][0].close();
    }
    const { results } = (await done) as { results: string[] };
    assert.equal(results.length, N);
    results.forEach((r, i) => assert.equal(r, i % 2 === 0 ? 'EOFError' : 'ClosedError', `call ${i}`));
  } finally {
    await w.terminate();
  }
});

test('revive: Connection.from and revive; bad descriptors are refused', { timeout: 10_000 }, () => {
  const [a, b] = Pipe();
  const clone = structuredClone(b);
  assert.deepEqual(Object.keys(clone).sort(), ['__sabkit', 'buffer', 'byteOffset', 'end']);
  const b2 = Connection.from(clone);
  a.send(7);
  assert.equal(b2.recv(), 7);
  const b3 = revive({ c: clone }).c as Connection;
  b3.send(8);
  assert.equal(a.recv(), 8);
  assert.throws(() => Connection.from({ ...clone, end: 2 }), ReviveError);
  assert.throws(
    () => Connection.from({ __sabkit: 'Connection', buffer: new SharedArrayBuffer(1024), byteOffset: 0, end: 0 }),
    ReviveError,
  );
  assert.throws(() => Connection.from({ __sabkit: 'Queue', buffer: a.buffer, byteOffset: 0, end: 0 }), ReviveError);
  assert.throws(() => new Connection(), InvalidArgumentError);
});

test('misuse: named errors, and the pipe keeps working', { timeout: 10_000 }, async () => {
  const [a, b] = Pipe();
  const cases: [string, () => unknown, new (...a: never[]) => Error][] = [
    ['duplex "yes"', () => Pipe('yes' as unknown as boolean), InvalidArgumentError],
    ['capacityBytes 1', () => Pipe(true, { capacityBytes: 1 }), InvalidArgumentError],
    ['sendBytes of a number', () => a.sendBytes(5 as unknown as ArrayBuffer), InvalidArgumentError],
    ['sendBytes offset -1', () => a.sendBytes(new Uint8Array(4), -1), InvalidArgumentError],
    ['sendBytes offset past the end', () => a.sendBytes(new Uint8Array(4), 5), InvalidArgumentError],
    ['sendBytes size past the end', () => a.sendBytes(new Uint8Array(4), 1, 4), InvalidArgumentError],
    ['sendBytes size 1.5', () => a.sendBytes(new Uint8Array(4), 0, 1.5), InvalidArgumentError],
    ['recvBytes maxLength -1', () => b.recvBytes(-1), InvalidArgumentError],
    ['recvBytesInto a string', () => b.recvBytesInto('abc' as unknown as ArrayBuffer), InvalidArgumentError],
    ['recvBytesInto offset past the end', () => b.recvBytesInto(new Uint8Array(4), 5), InvalidArgumentError],
    ['poll timeout NaN', () => b.poll(NaN), InvalidArgumentError],
    ['send a function', () => a.send(() => 0), InvalidArgumentError],
  ];
  for (const [name, fn, cls] of cases) assert.throws(fn, cls, name);
  await assert.rejects(a.sendAsync(1, { signal: 'x' as unknown as AbortSignal }), InvalidArgumentError);
  assert.equal(b.poll(), false, 'nothing was sent by the failed calls');
  a.send('fine');
  assert.equal(b.recv(), 'fine');
  a.close();
  a.close();
  assert.throws(
    () => a.send(1),
    (e: unknown) => e instanceof ClosedError && /this connection is closed/.test((e as Error).message),
  );
  assert.throws(() => a.poll(), ClosedError);
  assert.throws(() => b.recv(), EOFError);
});

test('timeout table: Connection.poll / pollAsync (Python: no timeout answers at once, negative does not wait)', {
  timeout: 20_000,
}, async () => {
  const [a, b] = S.Pipe();
  for (const t of TIMEOUT_CASES) {
    const timeout = asTimeout(t);
    const name = `Connection.poll(${label(t)})`;
    // Python's poll() with no timeout answers at once: undefined is "now" here, null waits.
    switch (t === undefined ? 'now' : pythonRule(t)) {
      case 'now':
        assert.equal(b.poll(timeout), false, name);
        assert.equal(await b.pollAsync(timeout), false, name);
        assert.equal(await b.pollAsync({ timeout, signal: new AbortController().signal }), false, name);
        break;
      case 'invalid':
        assert.throws(() => b.poll(timeout), S.InvalidArgumentError, name);
        await assert.rejects(b.pollAsync({ timeout }), S.InvalidArgumentError, name);
        break;
      case 'forever':
        assert.equal(await stillWaiting(b.pollAsync(timeout), () => a.send(1), name), true, name);
        assert.equal(b.poll(timeout), true, name);
        assert.equal(b.recv(), 1);
        break;
    }
  }
  // send/recv take the same timeout (an extension: Python's have none); running out is TimeoutError.
  assert.throws(() => b.recv(-1), S.TimeoutError);
  await assert.rejects(b.recvAsync({ timeout: 0 }), S.TimeoutError);
  await assert.rejects(b.recvBytesAsync(undefined, 0), S.TimeoutError);
  a.send('x', -1);
  assert.equal(b.recv(-1), 'x');
});
