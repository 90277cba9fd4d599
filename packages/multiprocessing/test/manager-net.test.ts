// The network manager across processes on loopback: a standalone server script in one process,
// clients in others; wrong keys; a seeded fuzz of broken frames that must leave the server serving
// the others; a server killed mid-call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Value } from '@sabkit/atomics-sync';
import { BaseManager, DictProxy, LockProxy, QueueProxy } from '../src/manager/index.js';
import { answer } from '../src/manager/auth.js';
import { FrameReader, T_ANSWER, T_REQUEST, T_RESPONSE, T_WELCOME, frame } from '../src/manager/frames.js';
import { OP_CALL, encodeRequest } from '../src/manager/wire.js';
import { Process } from '../src/process/process.js';
import { KEY, startServer } from './net-server.js';
import { mulberry32 } from './prng.js';

const CLIENT = fileURLToPath(new URL('./fixtures/manager-net-client.js', import.meta.url));

class NetManager extends BaseManager {}
NetManager.register('getState', undefined, { proxytype: DictProxy });
NetManager.register('getLock', undefined, { proxytype: LockProxy });
NetManager.register('getQueue', undefined, { proxytype: QueueProxy });

async function connect(port: number, authkey = KEY): Promise<NetManager> {
  const m = new NetManager({ address: ['127.0.0.1', port], authkey, timeout: 10_000 });
  await m.connect();
  return m;
}

test('4 client processes x 1,000 increments under a manager Lock: none lost', { timeout: 120_000 }, async () => {
  const { child, port } = await startServer();
  try {
    const clients = [0, 1, 2, 3].map(() =>
      spawn(process.execPath, [CLIENT, String(port), KEY, '1000'], { stdio: 'inherit' }),
    );
    const codes = await Promise.all(clients.map(async (c) => (await once(c, 'exit'))[0]));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    await using m = await connect(port);
    assert.equal(
      m.create<DictProxy<string, number>>('getState').get('n'),
      4000,
      'every increment under the lock counted',
    );
    const q = m.create<QueueProxy<string>>('getQueue');
    const done = [q.get(5000), q.get(5000), q.get(5000), q.get(5000)];
    assert.equal(new Set(done).size, 4);
    assert.equal(q.qsize(), 0);
  } finally {
    child.kill('SIGKILL');
  }
});

test('a wrong authkey is refused with AuthenticationError; the server goes on', { timeout: 60_000 }, async () => {
  const { child, port } = await startServer();
  try {
    await using good = await connect(port);
    const state = good.create<DictProxy<string, number>>('getState');
    for (const key of ['wrong', 'test-ke', 'test-key!', new Uint8Array(64)]) {
      const bad = new NetManager({ address: ['127.0.0.1', port], authkey: key });
      await assert.rejects(bad.connect(), { name: 'AuthenticationError', code: 'ERR_SABKIT_AUTHENTICATION' });
    }
    state.set('after', 1);
    assert.equal(state.get('after'), 1);
    await assert.rejects(new NetManager({ address: ['127.0.0.1', 1], authkey: KEY }).connect(), {
      code: 'ERR_SABKIT_MANAGER_CONNECTION',
    });
  } finally {
    child.kill('SIGKILL');
  }
});

/** A raw socket; with `key`, authenticated as a client. Resolves once ready to send. */
async function rawSocket(port: number, key?: string): Promise<{ s: net.Socket; closed: Promise<Buffer[]> }> {
  const s = net.connect({ host: '127.0.0.1', port });
  const frames: Buffer[] = [];
  const reader = new FrameReader(1 << 20);
  const closed = new Promise<Buffer[]>((r) => s.once('close', () => r(frames)));
  s.on('error', () => {});
  let welcomed: () => void = () => {};
  const welcome = new Promise<void>((r) => (welcomed = r));
  s.on('data', (c: Buffer) => {
    for (const f of reader.push(c)) {
      if (f.type === 1 && key)
        s.write(frame(T_ANSWER, 0, 0, (answer(Buffer.from(key), f.payload) as { payload: Buffer }).payload));
      else if (f.type === T_WELCOME) welcomed();
      else frames.push(Buffer.from([f.type]));
    }
  });
  await once(s, 'connect');
  if (key) await welcome;
  return { s, closed };
}

test('seeded fuzz: random, truncated, oversized and pre-auth frames close only their connection', {
  timeout: 120_000,
}, async () => {
  const { child, port } = await startServer();
  try {
    await using good = await connect(port);
    const state = good.create<DictProxy<string, number>>('getState');
    const rand = mulberry32(15);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
    const validRequest = () => {
      const b = Buffer.alloc(64);
      const n = encodeRequest(OP_CALL, 1, 'get', ['n'], b, 0, 64);
      return frame(T_REQUEST, 7, 1, b.subarray(0, n));
    };
    const kinds = ['garbage', 'preauth-request', 'oversized', 'truncated', 'random-frame', 'bad-request', 'bad-type'];
    for (let round = 0; round < 70; round++) {
      const kind = kinds[round % kinds.length] as string;
      const authed = !['garbage', 'preauth-request'].includes(kind);
      const { s, closed } = await rawSocket(port, authed ? KEY : undefined);
      if (kind === 'garbage') s.write(bytes(1 + Math.floor(rand() * 300)));
      else if (kind === 'preauth-request') s.write(validRequest());
      else if (kind === 'oversized') {
        const h = Buffer.alloc(16);
        h.writeUInt32LE(0x7fff0000 + Math.floor(rand() * 0xffff), 0);
        h[4] = T_REQUEST;
        s.write(h);
      } else if (kind === 'truncated') {
        const f = validRequest();
        s.end(f.subarray(0, 1 + Math.floor(rand() * (f.length - 1))));
      } else if (kind === 'random-frame')
        s.write(frame(1 + Math.floor(rand() * 6), 1, 1, bytes(Math.floor(rand() * 64))));
      else if (kind === 'bad-request') s.write(frame(T_REQUEST, 1, 1, bytes(1 + Math.floor(rand() * 64))));
      else s.write(frame(200, 1, 1, bytes(8)));
      const timer = setTimeout(() => s.destroy(), 3000);
      const got = await closed;
      clearTimeout(timer);
      if (kind === 'preauth-request')
        assert.ok(!got.some((f) => f[0] === T_RESPONSE), `round ${round}: nothing is served before authentication`);
      if (kind !== 'truncated' && kind !== 'random-frame')
        assert.ok(!got.some((f) => f[0] === T_RESPONSE), `round ${round} (${kind}): no answer to a broken frame`);
      state.add('fuzz', 1);
    }
    assert.equal(state.get('fuzz'), 70, 'the authenticated client was served after every broken connection');
    assert.equal(child.exitCode, null, 'the server process is alive');
  } finally {
    child.kill('SIGKILL');
  }
});

test('a server killed mid-call: waiting clients fail with ManagerConnectionError, not a timeout', {
  timeout: 60_000,
}, async () => {
  const { child, port } = await startServer();
  const m = await connect(port);
  const q = m.create<QueueProxy>('getQueue');
  const lock = m.create<LockProxy>('getLock');
  assert.equal(lock.acquire(), true);
  // A Process blocks synchronously in acquire() (no timeout), the main thread in getAsync.
  const seen = new Value('i32', 0);
  const p = new Process({
    target: (lock: LockProxy, seen: Value<'i32'>) => {
      seen.value = 1;
      try {
        lock.acquire();
        seen.value = 3;
      } catch (e) {
        seen.value = (e as { code?: string }).code === 'ERR_SABKIT_MANAGER_CONNECTION' ? 2 : 4;
      }
    },
    args: [lock, seen],
  });
  p.start();
  while (seen.value === 0) await new Promise((r) => setTimeout(r, 10));
  const pending = q.getAsync(30_000);
  setTimeout(() => child.kill('SIGKILL'), 300);
  await assert.rejects(pending, { name: 'ManagerConnectionError', code: 'ERR_SABKIT_MANAGER_CONNECTION' });
  await p.join();
  assert.equal(seen.value, 2, 'the blocked acquire in the Process failed with ManagerConnectionError');
  assert.throws(() => q.qsize(), { code: 'ERR_SABKIT_MANAGER_CONNECTION' });
  await m.shutdown();
});
