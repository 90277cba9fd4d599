// The code cache of the ES module entries' loader (scripts/cjs-loader.mjs), on a copy of this
// package's build installed in a temporary node_modules: where it writes ($SABKIT_COMPILE_CACHE, else
// <tmpdir>/sabkit-compile-cache-<uid>), that `0` turns it off, that a cache is reused as it is, that
// it is never used for other source (an edit of the same length, which V8's own check would let
// through), and that a directory others can write is not used (V8 does not verify a cache's data).
// No timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../..', import.meta.url)); // .test-build/test -> the package

/** npm's extraction date: an installed package's files all carry it, packs and files alike. */
const NPM_DATE = new Date('1985-10-26T08:15:00Z');

/**
 * A temporary directory with the package's build installed as node_modules/@sabkit/atomics-sync,
 * dated as npm dates it, so the loader runs the entry from its pack (dist/cjs/index.pack) whatever
 * order the copy wrote the files in.
 */
function install(): { dir: string; pack: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-cache-test-'));
  const at = join(dir, 'node_modules', '@sabkit', 'atomics-sync');
  mkdirSync(at, { recursive: true });
  cpSync(join(pkg, 'package.json'), join(at, 'package.json'));
  cpSync(join(pkg, 'dist'), join(at, 'dist'), { recursive: true });
  for (const f of readdirSync(join(at, 'dist'), { recursive: true, encoding: 'utf8' }))
    utimesSync(join(at, 'dist', f), NPM_DATE, NPM_DATE);
  return { dir, pack: join(at, 'dist', 'cjs', 'index.pack') };
}

/** Imports the package in a fresh node there; prints DEFAULT_PIPE_CAPACITY and a Lock's round trip. */
function run(dir: string, env: Record<string, string | undefined>): number {
  const script = [
    "const a = await import('@sabkit/atomics-sync');",
    'const l = new a.Lock();',
    'if (!l.acquire(0)) throw new Error("lock");',
    'l.release();',
    'console.log(a.DEFAULT_PIPE_CAPACITY);',
  ].join('\n');
  const e: Record<string, string | undefined> = { ...process.env, SABKIT_COMPILE_CACHE: undefined, ...env };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: dir,
    env: e as NodeJS.ProcessEnv,
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

/** A cache file's header: magic, the source's byte length, its writer's score (u32 LE each). */
const HEAD = 12;

const files = (d: string): Map<string, Buffer> =>
  new Map(existsSync(d) ? readdirSync(d).map((f) => [f, readFileSync(join(d, f))]) : []);

test('cache location: $SABKIT_COMPILE_CACHE, else <tmpdir>/sabkit-compile-cache-<uid>; 0 turns it off', {
  timeout: 60_000,
}, () => {
  const { dir } = install();
  try {
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    assert.equal(run(dir, { TMPDIR: tmp, SABKIT_COMPILE_CACHE: '0' }), 65536);
    assert.deepEqual(readdirSync(tmp), []);
    assert.equal(run(dir, { TMPDIR: tmp }), 65536);
    const byDefault = files(join(tmp, `sabkit-compile-cache-${process.getuid?.()}`));
    assert.ok(
      [...byDefault.keys()].some((f) => f.startsWith('index.pack-')),
      [...byDefault.keys()].join(),
    );
    const mine = join(dir, 'my-cache');
    assert.equal(run(dir, { TMPDIR: tmp, SABKIT_COMPILE_CACHE: mine }), 65536);
    assert.deepEqual([...files(mine).keys()].sort(), [...byDefault.keys()].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cache is reused as it is; a same-length edit, a truncated cache or damaged V8 data make it anew', {
  timeout: 60_000,
}, () => {
  const { dir, pack } = install();
  try {
    const cache = join(dir, 'cache');
    assert.equal(run(dir, { SABKIT_COMPILE_CACHE: cache }), 65536);
    const first = files(cache);
    const name = [...first.keys()].find((f) => f.startsWith('index.pack-'));
    assert.ok(name !== undefined, [...first.keys()].join());
    // Reused: nothing is written again.
    assert.equal(run(dir, { SABKIT_COMPILE_CACHE: cache }), 65536);
    assert.deepEqual(files(cache), first);
    // The same length, other source: V8 would accept the old cache (it checks the length only).
    // The pack keeps npm's date, so the loader still runs the entry from it.
    const src = readFileSync(pack, 'utf8');
    assert.ok(src.includes('var DEFAULT_PIPE_CAPACITY = 64 * 1024;'));
    writeFileSync(
      pack,
      src.replace('var DEFAULT_PIPE_CAPACITY = 64 * 1024;', 'var DEFAULT_PIPE_CAPACITY = 32 * 1024;'),
    );
    utimesSync(pack, NPM_DATE, NPM_DATE);
    assert.equal(run(dir, { SABKIT_COMPILE_CACHE: cache }), 32768);
    const second = files(cache).get(name) as Buffer;
    assert.notDeepEqual(second, first.get(name));
    assert.equal(run(dir, { SABKIT_COMPILE_CACHE: cache }), 32768);
    // A cache file that is not one (truncated): ignored and made anew.
    writeFileSync(join(cache, name as string), second.subarray(0, 5));
    assert.equal(run(dir, { SABKIT_COMPILE_CACHE: cache }), 32768);
    const third = readFileSync(join(cache, name as string));
    assert.deepEqual(third.subarray(0, HEAD), second.subarray(0, HEAD));
    // Damaged V8 data, the length unchanged (V8 does not verify its data, and may crash on it): the
    // file holds the data twice; copies that differ are not used, and the file is made anew.
    const n = third.readUInt32LE(4);
    const m = (third.length - HEAD - n) / 2;
    assert.ok(Number.isInteger(m) && m > 0, `cache layout: ${third.length} bytes, source ${n}`);
    assert.deepEqual(third.subarray(HEAD + n, HEAD + n + m), third.subarray(HEAD + n + m));
    const damaged = Buffer.from(third);
    for (let i = HEAD + n + 64; i < HEAD + n + m; i += 97) damaged[i] ^= 0x5a;
    writeFileSync(join(cache, name as string), damaged);
    assert.equal(run(dir, { SABKIT_COMPILE_CACHE: cache }), 32768);
    const remade = readFileSync(join(cache, name as string));
    assert.notDeepEqual(remade, damaged, 'a cache whose two copies differ was used (not made anew)');
    const m2 = (remade.length - HEAD - n) / 2;
    assert.deepEqual(remade.subarray(HEAD + n, HEAD + n + m2), remade.subarray(HEAD + n + m2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cache directory others can write is not used', { timeout: 60_000, skip: process.platform === 'win32' }, () => {
  const { dir } = install();
  try {
    const cache = join(dir, 'shared-cache');
    mkdirSync(cache);
    chmodSync(cache, 0o777);
    assert.equal(run(dir, { SABKIT_COMPILE_CACHE: cache }), 65536);
    assert.deepEqual(readdirSync(cache), []);
    chmodSync(cache, 0o700);
    assert.equal(run(dir, { SABKIT_COMPILE_CACHE: cache }), 65536);
    assert.notDeepEqual(readdirSync(cache), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unwritable cache location: the package still loads', { timeout: 60_000 }, () => {
  const { dir } = install();
  try {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory');
    assert.equal(run(dir, { SABKIT_COMPILE_CACHE: join(file, 'cache') }), 65536);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dist/cjs/sabkit-cjs-loader.cjs: compile() with the same cache, for CommonJS callers', { timeout: 60_000 }, () => {
  const { dir, pack } = install();
  const index = join(pack, '..', 'index.js');
  try {
    const cache = join(dir, 'cache');
    const loader = join(dir, 'node_modules', '@sabkit', 'atomics-sync', 'dist', 'cjs', 'sabkit-cjs-loader.cjs');
    const script = [
      `const l = require(${JSON.stringify(loader)});`,
      "const text = require('node:fs').readFileSync(process.argv[1], 'utf8');",
      'const c = l.compile(process.argv[1], text);',
      'c.save();',
      'console.log(c.status);',
    ].join('\n');
    const status = (): string => {
      const r = spawnSync(process.execPath, ['-e', script, index], {
        env: { ...process.env, SABKIT_COMPILE_CACHE: cache },
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim();
    };
    assert.equal(status(), 'none');
    assert.equal(status(), 'accepted');
    writeFileSync(index, `${readFileSync(index, 'utf8')}\n`);
    assert.equal(status(), 'none');
    assert.equal(status(), 'accepted');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A pack's cache holds only the functions V8 compiled in the process that wrote it, so it records
// its writer's score (the bytes of the pack's modules it ran from the pack). A process that found some
// of the pack's modules loaded already (here by Node's require() of `core`, which loads core.js and
// errors.js) writes a poorer cache when there is none; a process that runs more from the pack
// replaces it; a poorer process never replaces a fuller one, nor does an equal one.
test("a pack's cache: a poorer writer's is replaced by a fuller one's, never the other way round", {
  timeout: 60_000,
}, () => {
  const { dir } = install();
  try {
    const cache = join(dir, 'cache');
    const packCache = (): Buffer | undefined => {
      const f = existsSync(cache) ? readdirSync(cache).filter((n) => n.startsWith('index.pack-')) : [];
      assert.ok(f.length <= 1, f.join());
      return f.length === 0 ? undefined : readFileSync(join(cache, f[0] as string));
    };
    const node = (script: string) => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: dir,
        env: { ...process.env, SABKIT_COMPILE_CACHE: cache },
        encoding: 'utf8',
        timeout: 50_000,
      });
      assert.equal(r.status, 0, r.stderr);
    };
    const mixed = [
      "const { createRequire } = await import('node:module');",
      "createRequire(process.cwd() + '/x.js')('@sabkit/atomics-sync/core');",
      "await import('@sabkit/atomics-sync');",
    ].join('\n');
    const full = "await import('@sabkit/atomics-sync');";
    node(mixed);
    const poor = packCache();
    assert.ok(poor !== undefined, 'a process that found some modules loaded wrote no cache (none was there)');
    const poorScore = poor.readUInt32LE(8);
    assert.ok(poorScore > 0, 'score 0');
    node(full);
    const rich = packCache();
    assert.ok(rich !== undefined && rich.readUInt32LE(8) > poorScore, 'a fuller process did not replace it');
    assert.ok(rich.length > poor.length, `V8's data of the fuller run: ${rich.length} <= ${poor.length} bytes`);
    node(mixed);
    assert.deepEqual(packCache(), rich, 'a poorer process replaced a fuller cache');
    node(full);
    assert.deepEqual(packCache(), rich, 'a process as full as the cache wrote it again');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
