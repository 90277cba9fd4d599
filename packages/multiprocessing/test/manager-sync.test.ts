// SyncManager's served types and register(): Python's behaviour through proxies, from this
// thread and from Process and Pool workers; TLS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  type AutoProxy,
  BaseManager,
  type ConditionProxy,
  type DictProxy,
  type JoinableQueueProxy,
  type LockProxy,
  SyncManager,
} from '../src/manager/index.js';
import { Pool } from '../src/pool/pool.js';
import { Process } from '../src/process/process.js';

test('served primitives keep Python semantics', { timeout: 60_000 }, async () => {
  await using m = new SyncManager();
  await m.start();
  const lock = m.Lock();
  assert.equal(lock.acquire(), true);
  assert.equal(lock.acquire(0), false);
  assert.equal(lock.locked(), true);
  lock.release();
  assert.throws(() => lock.release(), { name: 'NotLockedError' });
  const r = m.RLock();
  assert.equal(r.acquire(), true);
  assert.equal(r.acquire(), true, 're-entrant for its owner');
  r.release();
  r.release();
  assert.throws(() => r.release(), { name: 'NotOwnerError' });
  const s = m.BoundedSemaphore(2);
  assert.equal(s.acquire(0) && s.acquire(0), true);
  assert.equal(s.acquire(10), false);
  s.release(2);
  assert.throws(() => s.release(), { name: 'SemaphoreOverflowError' });
  assert.equal(s.getValue(), 2);
  const e = m.Event();
  assert.equal(e.wait(10), false);
  e.set();
  assert.equal(await e.waitAsync(), true);
  const v = m.Value('d', 1.5);
  v.value = 2.25;
  assert.equal(v.value, 2.25);
  const a = m.Array('i', [1, 2, 3]);
  a.set(-1, 30);
  assert.deepEqual(a.copy(), [1, 2, 30]);
  assert.throws(() => a.get(3), { name: 'IndexError' });
  assert.throws(() => m.Value('z', 1), { code: 'ERR_SABKIT_INVALID_ARGUMENT' });
  const q = m.JoinableQueue<number>(1);
  q.put(1);
  assert.throws(() => q.put(2, 10), { name: 'Full' });
  assert.equal(q.join(10), false);
  assert.equal(q.get(), 1);
  q.taskDone();
  assert.equal(q.join(), true);
  assert.throws(() => q.getNowait(), { name: 'Empty' });
  const b = m.Barrier(2, null, 50);
  assert.equal(b.parties, 2);
  assert.throws(() => b.wait(), { name: 'BrokenBarrierError' }, 'one party alone: the default timeout breaks it');
  assert.equal(b.broken, true);
  b.reset();
  assert.equal(b.broken, false);
});

test('Condition, Queue and Lock across Processes: hand-offs through the server', { timeout: 60_000 }, async () => {
  await using m = new SyncManager();
  await m.start();
  const cond = m.Condition();
  const state = m.dict<string, number>([['ready', 0]]);
  const q = m.JoinableQueue<number>();
  const consumer = new Process({
    target: (cond: ConditionProxy, state: DictProxy<string, number>, q: JoinableQueueProxy<number>) => {
      cond.acquire();
      const ok = cond.waitFor(() => state.get('ready') === 1, 20_000);
      cond.release();
      if (!ok) throw new Error('not notified');
      for (let i = 0; i < 100; i++) {
        state.add('sum', q.get(20_000));
        q.taskDone();
      }
    },
    args: [cond, state, q],
  });
  consumer.start();
  for (let i = 1; i <= 100; i++) q.put(i);
  cond.acquire();
  state.set('ready', 1);
  cond.notifyAll();
  cond.release();
  assert.equal(await q.joinAsync(30_000), true);
  await consumer.join();
  assert.equal(consumer.exitCode, 0);
  assert.equal(state.get('sum'), 5050);
});

test('register(): exposed methods only, proxies in Pool tasks, server-side callables', {
  timeout: 60_000,
}, async () => {
  class CounterManager extends BaseManager {}
  // For start(): an inline factory, compiled in the server thread (the Process rule).
  CounterManager.register('Counter', (start: number) => {
    let n = start;
    return { increment: (by = 1) => (n += by), value: () => n };
  });
  CounterManager.register(
    'Limited',
    (start: number) => {
      let n = start;
      return { value: () => n, reset: () => void (n = 0) };
    },
    { exposed: ['value'] },
  );
  await using m = new CounterManager();
  await m.start();
  const c = m.create<AutoProxy & { increment(by?: number): number; value(): number }>('Counter', 5);
  assert.equal(c.increment(), 6);
  await using pool = new Pool(2);
  await Promise.all(
    Array.from({ length: 8 }, () => pool.apply((c: { increment(by: number): number }) => c.increment(10), [c])),
  );
  assert.equal(c.value(), 86, 'the increments of 8 Pool tasks in other threads all landed');
  const l = m.create('Limited', 3) as AutoProxy & { value(): number };
  assert.equal(l.value(), 3);
  assert.throws(() => l.callMethod('reset'), { name: 'NotExposedError', code: 'ERR_SABKIT_NOT_EXPOSED' });
  assert.throws(() => l.callMethod('constructor'), { name: 'NotExposedError' });
  assert.throws(() => m.create('Nope'), { code: 'ERR_SABKIT_INVALID_ARGUMENT' });

  // A class exported by a module: the server thread imports it and calls it with `new`; methods
  // named with `_` are never exposed.
  class ModuleManager extends BaseManager {}
  ModuleManager.register('Counter', {
    filename: new URL('./fixtures/manager-types.js', import.meta.url),
    name: 'Counter',
  });
  await using mm = new ModuleManager();
  await mm.start();
  const mc = mm.create('Counter', 1) as AutoProxy & { increment(by?: number): number };
  assert.deepEqual([...mc.exposed].sort(), ['increment', 'value']);
  assert.equal(await mc.callMethodAsync('increment', [2]), 3);
  assert.throws(() => mc.callMethod('_secret'), { name: 'NotExposedError' });

  // getServer() serves on this thread's event loop: a sync call from here would wait for ever.
  class LocalManager extends BaseManager {}
  const lm = new LocalManager();
  await lm.getServer().listen();
  assert.throws(() => lm.numberOfObjects(), { code: 'ERR_SABKIT_INVALID_ARGUMENT', message: /would wait for ever/ });
  await lm.shutdown();
});

test('TLS: a trusted client is served, an untrusted or plain one is refused', { timeout: 60_000 }, async () => {
  const key = readFileSync(new URL('../../test/fixtures/tls/key.pem', import.meta.url));
  const cert = readFileSync(new URL('../../test/fixtures/tls/cert.pem', import.meta.url));
  await using server = new SyncManager({ address: ['127.0.0.1', 0], authkey: 'k', tls: { server: { key, cert } } });
  await server.start();
  const port = server.address?.port as number;
  await using client = new SyncManager({ address: ['127.0.0.1', port], authkey: 'k', tls: { client: { ca: cert } } });
  await client.connect();
  const d = client.dict<string, string>();
  d.set('over', 'tls');
  assert.equal(d.get('over'), 'tls');
  const lock = client.Lock() as LockProxy;
  assert.equal(lock.acquire(100), true);
  const untrusted = new SyncManager({ address: ['127.0.0.1', port], authkey: 'k', tls: { client: {} } });
  await assert.rejects(untrusted.connect(), { code: 'ERR_SABKIT_MANAGER_CONNECTION', message: /certificate/ });
  const plain = new SyncManager({ address: ['127.0.0.1', port], authkey: 'k', startTimeout: 1500 });
  await assert.rejects(plain.connect(), { code: 'ERR_SABKIT_MANAGER_CONNECTION' });
  assert.equal(d.get('over'), 'tls', 'the trusted client is still served');
});

test('per-request and idle timeouts: a call with no answer, a silent connection', { timeout: 60_000 }, async () => {
  class SlowManager extends BaseManager {}
  // A method whose answer never comes (a promise nobody settles): only the client's bound ends it.
  SlowManager.register('Slow', () => ({ hang: () => new Promise(() => {}), ping: () => 'pong' }));
  await using m = new SlowManager({ address: ['127.0.0.1', 0], authkey: 'k', timeout: 300, idleTimeout: 300 });
  await m.start();
  const slow = m.create('Slow') as AutoProxy;
  assert.throws(() => slow.callMethod('hang'), { name: 'TimeoutError', message: /Slow\.hang\(\) got no answer/ });
  await assert.rejects(slow.callMethodAsync('hang'), { name: 'TimeoutError' });
  assert.equal(slow.callMethod('ping'), 'pong', 'the channel is usable after a timed-out call');
  // A network client that stays silent past idleTimeout is disconnected by the server.
  const c = new SlowManager({ address: ['127.0.0.1', m.address?.port as number], authkey: 'k' });
  await c.connect();
  const remote = c.create('Slow') as AutoProxy;
  assert.equal(remote.callMethod('ping'), 'pong');
  await new Promise((r) => setTimeout(r, 1000));
  assert.throws(() => remote.callMethod('ping'), { name: 'ManagerConnectionError' });
  await c.shutdown();
});
