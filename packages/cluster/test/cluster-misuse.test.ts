// Misuse, refused with a named error before anything is sent or started: a table of bad
// arguments to ClusterPool, its calls and ClusterWorker, and the command's usage errors. None of
// these needs Redis (the pool connects lazily, on its first call).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { InvalidArgumentError } from '@sabkit/atomics-sync';
import { ClusterPool, ClusterWorker, InlineFunctionError } from '@sabkit/cluster';
import { BIN, ROOT } from './harness/workers.js';

const URL_ = 'redis://127.0.0.1:1';

test('ClusterPool options: each bad value names the parameter', () => {
  const table: Array<[unknown, RegExp]> = [
    [undefined, /options must be an object/],
    [{ queue: 'q' }, /connection must be a redis:\/\/ or rediss:\/\/ URL/],
    [{ connection: 'http://x', queue: 'q' }, /connection must be/],
    [{ connection: URL_, queue: '' }, /queue must be a non-empty name/],
    [{ connection: URL_, queue: 'q', attempts: 0 }, /attempts must be a positive integer/],
    [{ connection: URL_, queue: 'q', maxChunksInFlight: 1.5 }, /maxChunksInFlight must be a positive integer/],
    [{ connection: URL_, queue: 'q', callerTtl: -1 }, /callerTtl must be a positive integer/],
    [{ connection: URL_, queue: 'q', key: 'short' }, /key must be at least 16 bytes/],
    [{ connection: URL_, queue: 'q', key: 42 }, /key must be a string or a Uint8Array/],
  ];
  for (const [opts, re] of table) {
    assert.throws(
      () => new ClusterPool(opts as never),
      (e: Error) => e instanceof InvalidArgumentError && re.test(e.message),
      String(re),
    );
  }
  assert.throws(
    () => new ClusterPool({ connection: 'redis://:secret@host:1', queue: '' }),
    (e: Error) => !e.message.includes('secret'),
  );
});

test('ClusterPool calls: bad arguments are refused synchronously, nothing is sent', async () => {
  const pool = new ClusterPool({ connection: URL_, queue: 'q' });
  try {
    const k = 2;
    const table: Array<[() => unknown, RegExp | (new (...a: never[]) => Error)]> = [
      [() => pool.applyAsync(42 as never), /fn must be a function, a module under the workers' root/],
      [() => pool.applyAsync((x: number) => x, 3 as never), /args must be an array/],
      [() => pool.applyAsync((x: number) => x * k, [1]), InlineFunctionError],
      [() => pool.applyAsync(Math.max), InlineFunctionError],
      [() => pool.applyAsync({ module: 'a.js', name: '' }), /name must be a non-empty export name/],
      [() => pool.applyAsync('a.js#'), /export name after '#' is empty/],
      [() => pool.mapAsync((x: number) => x, 5 as never), /iterable must be an iterable/],
      [() => pool.mapAsync((x: number) => x, [1], 0), /chunksize must be a positive integer/],
      [() => pool.mapAsync((x: number) => x, [1], 'x' as never), /third argument must be a chunksize/],
      [() => pool.mapAsync((x: number) => x, [1], { signal: {} as never }), /signal must be an AbortSignal/],
      [() => pool.mapAsync((x: number) => x, [1], { onProgress: 1 as never }), /onProgress must be a function/],
      [() => pool.mapAsync((x: number) => x, [1], { callback: 1 as never }), /callback must be a function/],
      [() => pool.imap((x: number) => x, [1], { maxChunksInFlight: 0 }), /maxChunksInFlight must be a positive/],
      [() => pool.imapUnordered((x: number) => x, null as never), /iterable must be an iterable/],
    ];
    for (const [f, want] of table) {
      if (want instanceof RegExp)
        assert.throws(f, (e: Error) => e instanceof InvalidArgumentError && want.test(e.message), String(want));
      else assert.throws(f, want);
    }
    assert.equal(pool.stats.sent, 0);
  } finally {
    await pool.terminate();
  }
  await assert.rejects(
    pool.map((x: number) => x, [1]),
    /pool not running/,
  );
});

test('ClusterWorker options: each bad value names the parameter', () => {
  const table: Array<[unknown, RegExp]> = [
    [null, /options must be an object/],
    [{ connection: URL_, queue: '', root: ROOT }, /queue must be a non-empty name/],
    [{ connection: URL_, queue: 'q', root: '/no/such/dir' }, /root must be an existing directory/],
    [{ connection: URL_, queue: 'q', root: ROOT, threads: 0 }, /threads must be a positive integer/],
    [{ connection: URL_, queue: 'q', root: ROOT, concurrency: 2.5 }, /concurrency must be a positive integer/],
    [{ connection: URL_, queue: 'q', root: ROOT, key: 'short' }, /key must be at least 16 bytes/],
  ];
  for (const [opts, re] of table) {
    assert.throws(
      () => new ClusterWorker(opts as never),
      (e: Error) => e instanceof InvalidArgumentError && re.test(e.message),
      String(re),
    );
  }
});

test('sabkit-worker: a missing or unknown option exits 2 with the usage; --help exits 0', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  const missing = run('--queue', 'q', '--root', ROOT);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--redis is required\nusage: sabkit-worker/);
  const unknown = run('--redis', URL_, '--queue', 'q', '--root', ROOT, '--frobnicate');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /Unknown option '--frobnicate'/);
  const help = run('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /usage: sabkit-worker --redis URL --queue NAME --root DIR/);
});
