// A manager's lifetime: objects freed when their last proxy is garbage-collected or their
// connection closes; a server that cannot start fails with a named error instead of hanging
// (issue 20, point 5: `new Manager().dict()` blocked the main thread for ever when the bundled
// app had no manager-server.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { Manager, SyncManager } from '../src/manager/index.js';
import { Process } from '../src/process/process.js';
import type { DictProxy } from '../src/manager/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collect(until: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !until(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('proxies that are collected give their objects back: the server count drops', { timeout: 60_000 }, async () => {
  await using m = new Manager();
  const keep = m.dict([[1, 'kept']]);
  const base = m.numberOfObjects();
  (() => {
    for (let i = 0; i < 200; i++) m.list([i]).append(i);
  })();
  assert.ok(m.numberOfObjects() >= base + 1, 'the objects live while their proxies may');
  await collect(() => m.numberOfObjects() === base);
  assert.equal(m.numberOfObjects(), base, 'the 200 lists were freed');
  assert.equal(keep.get(1), 'kept', 'an object whose proxy lives is not freed');
  // A proxy revived in a Process holds its own reference: the object outlives the sender's proxy.
  const sent = m.dict<string, number>();
  const p = new Process({ target: (d: DictProxy<string, number>) => d.set('from', 1), args: [sent] });
  p.start();
  await p.join();
  assert.equal(p.exitCode, 0);
  assert.equal(sent.get('from'), 1);
});

test('a network client that goes away releases what it held', { timeout: 60_000 }, async () => {
  await using server = new SyncManager({ address: ['127.0.0.1', 0], authkey: 'k' });
  await server.start();
  const base = server.numberOfObjects();
  const client = new SyncManager({ address: [server.address?.host ?? '', server.address?.port ?? 0], authkey: 'k' });
  await client.connect();
  const held = [client.dict(), client.list(), client.Lock(), client.Queue()];
  assert.equal(server.numberOfObjects(), base + held.length);
  await client.shutdown();
  for (let i = 0; i < 100 && server.numberOfObjects() !== base; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(server.numberOfObjects(), base, 'closing the connection dropped its references');
});

test('a bundled app without manager-server.js gets ManagerStartError at once, not a hang', {
  timeout: 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-manager-bundle-'));
  try {
    const entry = join(dir, 'app.cjs');
    const index = fileURLToPath(new URL('../../dist/cjs/index.js', import.meta.url));
    writeFileSync(
      entry,
      `const { Manager } = require(${JSON.stringify(index)});\n` +
        'const m = new Manager({ startTimeout: 2000 });\nm.dict().set(1, 2);\nconsole.log("no error");\n',
    );
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: join(dir, 'out', 'app.cjs'),
      logLevel: 'silent',
    });
    assert.equal(
      existsSync(join(dir, 'out', 'manager', 'manager-server.js')),
      false,
      'the bundler did not copy the server',
    );
    const r = spawnSync(process.execPath, [join(dir, 'out', 'app.cjs')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.signal, null, 'the app ended by itself (before the fix it blocked for ever)');
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /ManagerStartError/);
    assert.match(r.stderr, /ERR_SABKIT_MANAGER_START/);
    assert.match(r.stderr, /manager-server\.js is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a server thread that never runs: the first call fails within startTimeout', { timeout: 60_000 }, async () => {
  // A channel whose server never starts is what a worker that fails to load leaves: the client,
  // blocked on the main thread where no 'error' event can reach it, gives up after startTimeout.
  const { createChannel } = await import('../src/manager/channel.js');
  const { channelClient } = await import('../src/manager/channel-client.js');
  const { OP_CREATE } = await import('../src/manager/wire.js');
  const buffer = createChannel(2, 1024, 300, 0);
  const t0 = performance.now();
  assert.throws(() => channelClient(buffer).call(OP_CREATE, 0, 'dict', [[]]), {
    name: 'ManagerStartError',
    code: 'ERR_SABKIT_MANAGER_START',
    message: /did not start within 300 ms/,
  });
  assert.ok(performance.now() - t0 >= 300);
});
