// The published worker entry's disk code cache (worker/launch.cts): the first workers of a fresh
// process compile the entry bundle with the cache an earlier process wrote. Each step is a fresh
// process with its own cache directory (SABKIT_COMPILE_CACHE); the workers report what became of
// the cache (tasks.ts diskCacheStatus). No timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { fileURLToPath } from 'node:url';

const tasks = new URL('./fixtures/tasks.js', import.meta.url).href;

/** A fresh process: a 2-thread pool, each worker's cache status, a result; waits (bounded) for the file. */
function fresh(cacheDir: string): { statuses: unknown[]; result: unknown } {
  const script = [
    "const { Piscina } = await import('@sabkit/piscina');",
    "const { readdirSync } = await import('node:fs');",
    `const pool = new Piscina({ filename: ${JSON.stringify(tasks)}, minThreads: 2, maxThreads: 2 });`,
    // One task per worker: both are asked while the other holds its own.
    "const statuses = await Promise.all([0, 1].map(() => pool.run(200, { name: 'diskCacheStatusAfter' })));",
    'const result = await pool.run({ a: 2, b: 3 });',
    // The cache is written right after a worker's first task; wait for it (bounded) before destroy.
    'const end = Date.now() + 10_000;',
    'const has = () => { try { return readdirSync(process.env.SABKIT_COMPILE_CACHE).some((f) => f.endsWith(".bin")); }',
    '  catch { return false; } };',
    "while (statuses.includes('none') && !has() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));",
    'await pool.destroy();',
    'console.log(JSON.stringify({ statuses, result }));',
  ];
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script.join('\n')], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    env: { ...process.env, SABKIT_COMPILE_CACHE: cacheDir },
    encoding: 'utf8',
    timeout: 50_000,
  });
  assert.equal(r.status, 0, `${r.signal} ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
}

/** The size of a code cache of the worker bundle made right after its compile (its top level only). */
function topLevelCacheBytes(): number {
  const bundle = createRequire(import.meta.url)
    .resolve('@sabkit/piscina')
    .replace(/index\.js$/, 'worker/entry.cjs');
  const wrapped = `(function (exports, require, module, __filename, __dirname) {\n${readFileSync(bundle, 'utf8')}\n})`;
  return new Script(wrapped, { filename: bundle, lineOffset: -1 }).createCachedData().length;
}

const cacheFiles = (dir: string): string[] => readdirSync(dir).filter((f) => /^piscina-worker-.*\.bin$/.test(f));

test('the first workers of a fresh process use the disk cache an earlier process wrote', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-worker-cache-'));
  try {
    chmodSync(dir, 0o700);
    const first = fresh(dir);
    assert.deepEqual(first.statuses, ['none', 'none'], 'nothing to use yet');
    assert.equal(first.result, 5);
    const files = cacheFiles(dir);
    assert.equal(files.length, 1, `one cache file written: ${readdirSync(dir).join(', ')}`);
    // Made after the worker's first task (launch.cts): it holds the functions compiled on the way,
    // beyond the bundle's top level (all that a cache made right after the compile holds).
    const v8Bytes = readFileSync(join(dir, files[0] as string)).readUInt32LE(8);
    const topLevel = topLevelCacheBytes();
    assert.ok(v8Bytes > topLevel + 4096, `${v8Bytes} bytes of V8 data, the top level alone ${topLevel}`);
    const second = fresh(dir);
    assert.deepEqual(second.statuses, ['accepted', 'accepted'], 'both workers compiled from it');
    assert.equal(second.result, 5);

    // A file whose stored source differs from the bundle (same length) is not used, and is made anew.
    const file = join(dir, files[0] as string);
    const bytes = readFileSync(file);
    bytes[16 + 100] ^= 1;
    writeFileSync(file, bytes);
    assert.deepEqual(fresh(dir).statuses, ['none', 'none'], 'a cache of other source is not used');
    assert.deepEqual(fresh(dir).statuses, ['accepted', 'accepted'], 'the cache was written again');
    // A damaged V8 part (V8 would deserialise it and crash) is not used.
    const again = readFileSync(file);
    again.fill(0x5a, (again.length >> 1) + 4000, (again.length >> 1) + 4100); // the copy V8 would read
    writeFileSync(file, again);
    const damaged = fresh(dir);
    assert.deepEqual(damaged.statuses, ['none', 'none'], 'a damaged cache is not used');
    assert.equal(damaged.result, 5);
    assert.deepEqual(fresh(dir).statuses, ['accepted', 'accepted'], 'and was written again');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the disk cache is off when asked, and in a directory others can write', { timeout: 120_000 }, () => {
  const open = mkdtempSync(join(tmpdir(), 'sabkit-worker-cache-open-'));
  try {
    chmodSync(open, 0o777);
    const r = fresh(open);
    assert.deepEqual(r.statuses, ['off', 'off']);
    assert.equal(r.result, 5);
    assert.deepEqual(cacheFiles(open), [], 'nothing written there');
    assert.deepEqual(fresh('0').statuses, ['off', 'off'], 'SABKIT_COMPILE_CACHE=0');
  } finally {
    rmSync(open, { recursive: true, force: true });
  }
});
