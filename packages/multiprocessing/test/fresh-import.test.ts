// A fresh process that imports @sabkit/multiprocessing for its Pool does not pay for the network
// manager's Node built-ins (node:net, node:tls, node:crypto: manager/builtins.ts); a manager that
// listens on a socket loads them when it starts, and works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

test('a fresh process: importing the package loads no net/tls/crypto; a network manager loads them', {
  timeout: 60_000,
}, () => {
  const script = [
    "const loaded = (m) => process.moduleLoadList.includes('NativeModule ' + m);",
    "const mp = await import('@sabkit/multiprocessing');",
    "const atImport = ['net', 'tls', 'crypto'].filter(loaded);",
    "const m = new mp.SyncManager({ address: ['127.0.0.1', 0] });",
    'await m.start();',
    "const afterStart = ['crypto'].filter(loaded); // the random authkey",
    'const d = m.dict();',
    "d.set('x', 41);",
    "const x = d.get('x') + 1;",
    'await m.shutdown();',
    'console.log(JSON.stringify({ atImport, afterStart, x }));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    encoding: 'utf8',
    timeout: 50_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  assert.deepEqual(out, { atImport: [], afterStart: ['crypto'], x: 42 });
});
