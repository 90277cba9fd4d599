// The code cache of the packs on a fresh process's first pool (scripts/cjs-loader.mjs): the engine's
// packs (piscina's dist/cjs/engine/core.pack, atomics-sync's dist/cjs/core.pack) hold modules that
// the import's pack loaded first (engine/modes, task-queue, atomics-sync's errors…), so their
// caches' writers never run every module from them. Each cache records how much its writer ran from
// the pack: the first pool's normal path gets a cache for every pack it reads, and a second run of
// the same path finds them as good as its own and writes nothing. No timings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const tasks = new URL('./fixtures/tasks.js', import.meta.url).href;
const cjs = (name: string, file: string): string =>
  fileURLToPath(new URL(`../../../${name}/dist/cjs/${file}`, import.meta.url));
/** A cache file's header: magic, the source's byte length, its writer's score (u32 LE each). */
const HEAD = 12;

/** The source each cache file was made from (the loader keeps it, to compare), by file name. */
function sources(cache: string): Map<string, { source: string; mtime: number }> {
  const out = new Map<string, { source: string; mtime: number }>();
  for (const f of readdirSync(cache)) {
    if (!f.includes('.pack-')) continue;
    const c = readFileSync(join(cache, f));
    out.set(f, { source: c.toString('utf8', HEAD, HEAD + c.readUInt32LE(4)), mtime: statSync(join(cache, f)).mtimeMs });
  }
  return out;
}

test("the first pool's packs all get a code cache, and the same path again writes none", { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-pool-cache-'));
  try {
    const cache = join(dir, 'cache');
    const script = [
      "const m = await import('@sabkit/piscina');",
      `const pool = new m.Piscina({ filename: ${JSON.stringify(tasks)}, minThreads: 2, maxThreads: 2 });`,
      'const n = await pool.run({ a: 2, b: 3 });',
      // Both workers loaded before destroy (never terminate a worker mid-load).
      'await new Promise((r) => setTimeout(r, 100));',
      'await pool.destroy();',
      'console.log(n);',
    ].join('\n');
    const run = (): void => {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('.', import.meta.url)),
        env: { ...process.env, SABKIT_COMPILE_CACHE: cache },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), '5');
    };
    run();
    // The two engine packs (piscina's and atomics-sync's: their file names, hashes apart, are alike).
    const engine = readdirSync(cache).filter((f) => f.startsWith('core.pack-'));
    assert.equal(engine.length, 2, readdirSync(cache).join());
    const first = sources(cache);
    const packs = [
      cjs('piscina', 'index.pack'),
      cjs('piscina', 'engine/thread-start.pack'),
      cjs('piscina', 'engine/core.pack'),
      cjs('atomics-sync', 'core.pack'),
    ];
    const made = [...first.values()].map((c) => c.source);
    for (const p of packs) assert.ok(made.includes(readFileSync(p, 'utf8')), `no cache of ${p}`);
    assert.equal(first.size, packs.length, [...first.keys()].join());
    run();
    assert.deepEqual(sources(cache), first, 'a process that ran as much from the packs wrote their caches again');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
