// The async remote path (direct.ts): proxies' …Async methods over the connecting thread's own
// socket, many calls in flight at once. Invariants under pipelining (every answer reaches its own
// call, no increment lost next to sync calls from a Process through the link), a server killed
// with a pipeline in flight (every pending call rejects with ManagerConnectionError, bounded), and
// a server that never answers (the manager's timeout rejects the call; the connection survives).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { DictProxy, LockProxy, QueueProxy, SyncManager } from '../src/manager/index.js';
import { verify, challenge } from '../src/manager/auth.js';
import { FrameReader, T_ANSWER, T_CHALLENGE, T_WELCOME, frame } from '../src/manager/frames.js';
import { directFor } from '../src/manager/direct-registry.js';
import { Process } from '../src/process/process.js';
import { KEY, startServer } from './net-server.js';
import { mulberry32 } from './prng.js';

class NetManager extends SyncManager {}
NetManager.register('getState', undefined, { proxytype: DictProxy });
NetManager.register('getLock', undefined, { proxytype: LockProxy });
NetManager.register('getQueue', undefined, { proxytype: QueueProxy });

/** Rejects if `p` has not settled within `ms` (a hang is a failure, not a test timeout). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
    }),
  ]);
}

test('pipelined async calls: each answer reaches its call; no increment lost beside a Process', {
  timeout: 120_000,
}, async () => {
  const { child, port } = await startServer();
  try {
    await using m = new NetManager({ address: ['127.0.0.1', port], authkey: KEY, timeout: 30_000 });
    await m.connect();
    const state = m.create<DictProxy<string, number>>('getState');
    assert.ok(directFor((state as unknown as { buffer: SharedArrayBuffer }).buffer), 'a direct connection is open');
    const d = m.dict<string, number>();
    // 2,000 distinct keys written and read back with up to 400 calls in flight, in a seeded order.
    const rand = mulberry32(1515);
    const keys = Array.from({ length: 2000 }, (_, i) => i).sort(() => rand() - 0.5);
    for (let b = 0; b < keys.length; b += 200) {
      const batch = keys.slice(b, b + 200);
      await Promise.all(batch.map((i) => d.setAsync(`k${i}`, i * 3)));
      const got = await Promise.all(batch.flatMap((i) => [d.getAsync(`k${i}`), d.hasAsync(`k${i}`)]));
      batch.forEach((i, j) => {
        assert.equal(got[2 * j], i * 3, `k${i} read back`);
        assert.equal(got[2 * j + 1], true);
      });
    }
    assert.equal(await d.sizeAsync(), 2000);
    assert.equal(d.size, 2000, 'the sync path (the link) sees the same dict');
    // A Process adds through the link (sync) while this thread adds 3,000 times through its own
    // connection, 300 calls in flight at a time.
    const proc = new Process({
      target: (s: DictProxy<string, number>) => {
        for (let i = 0; i < 1000; i++) s.add('n', 1);
      },
      args: [state],
    });
    proc.start();
    let last = 0;
    for (let b = 0; b < 10; b++) {
      const sums = await Promise.all(Array.from({ length: 300 }, () => state.addAsync('n', 1)));
      assert.equal(new Set(sums).size, 300, 'each add returned its own running total');
      last = Math.max(last, ...sums);
    }
    await proc.join();
    assert.equal(proc.exitCode, 0);
    assert.equal(state.get('n'), 4000, 'every increment counted, async and sync');
    assert.ok(last >= 3000);
    // Errors travel back to the right call with their class.
    const results = await Promise.allSettled([d.popAsync('missing'), d.getAsync('k1'), d.popAsync('k1')]);
    assert.equal(results[0].status, 'rejected');
    assert.equal((results[0] as PromiseRejectedResult).reason.name, 'KeyError');
    assert.deepEqual(
      results.slice(1).map((r) => (r as PromiseFulfilledResult<number>).value),
      [3, 3],
    );
  } finally {
    child.kill('SIGKILL');
  }
});

test('server killed with a pipeline in flight: every pending call rejects with ManagerConnectionError', {
  timeout: 60_000,
}, async () => {
  const { child, port } = await startServer();
  const m = new NetManager({ address: ['127.0.0.1', port], authkey: KEY, timeout: 30_000 });
  await m.connect();
  try {
    const q = m.create<QueueProxy<number>>('getQueue');
    const d = m.dict<number, number>();
    // 500 gets wait on the empty queue (no timeout) and 500 dict calls are in flight when it dies.
    const waiting = Array.from({ length: 500 }, () => q.getAsync(null));
    const busy = Array.from({ length: 500 }, (_, i) => d.setAsync(i, i).then(() => d.getAsync(i)));
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGKILL');
    const settled = await within(Promise.allSettled([...waiting, ...busy]), 10_000, 'the pending calls');
    for (const s of settled.slice(0, 500)) {
      assert.equal(s.status, 'rejected');
      assert.equal((s as PromiseRejectedResult).reason.code, 'ERR_SABKIT_MANAGER_CONNECTION');
    }
    // The dict calls either finished before the kill or failed with the same error.
    for (const s of settled.slice(500)) {
      if (s.status === 'rejected')
        assert.equal((s as PromiseRejectedResult).reason.code, 'ERR_SABKIT_MANAGER_CONNECTION');
    }
    // Later calls fail the same way (through the link, whose connection is gone too), at once.
    await within(assert.rejects(q.getAsync(null), { code: 'ERR_SABKIT_MANAGER_CONNECTION' }), 10_000, 'a later call');
    assert.throws(() => d.size, { code: 'ERR_SABKIT_MANAGER_CONNECTION' });
  } finally {
    child.kill('SIGKILL');
    await m.shutdown();
  }
});

test('a server that never answers: async calls reject with TimeoutError; shutdown rejects the rest', {
  timeout: 60_000,
}, async () => {
  // A server that authenticates clients, then swallows every request.
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    const ch = challenge();
    const reader = new FrameReader(1 << 20);
    s.write(frame(T_CHALLENGE, 0, 0, ch.payload));
    s.on('data', (c: Buffer) => {
      for (const f of reader.push(c)) {
        if (f.type !== T_ANSWER) continue;
        const welcome = verify(Buffer.from(KEY), ch.nonce, f.payload);
        if (welcome) s.write(frame(T_WELCOME, 0, 0, welcome));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const m = new NetManager({ address: ['127.0.0.1', port], authkey: KEY, timeout: 300 });
    await m.connect();
    const buffer = (m as unknown as { channel: SharedArrayBuffer }).channel;
    const d = new DictProxy(buffer, 1, 'dict', ['get', 'set']);
    const calls = Array.from({ length: 20 }, (_, i) => d.getAsync(`k${i}`));
    const settled = await within(Promise.allSettled(calls), 10_000, 'the unanswered calls');
    for (const s of settled) {
      assert.equal(s.status, 'rejected');
      assert.equal((s as PromiseRejectedResult).reason.name, 'TimeoutError');
    }
    assert.ok(directFor(buffer), 'a timeout does not close the connection');
    // Pending calls at shutdown reject with ClosedError, not a hang.
    const q = new QueueProxy(buffer, 2, 'Queue', ['get']);
    const pending = assert.rejects(q.getAsync(null), { name: 'ClosedError' });
    await m.shutdown();
    await within(pending, 5000, 'a call pending at shutdown');
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});
