// The bundling test: esbuild bundles app.mjs (ESM and CommonJS output) with the sabkitWorkers()
// plugin into a folder outside the repository (no node_modules above it), and the bundle runs
// there (on Node; the ES module bundle on Bun and Deno too); then, with a worker file removed, each
// part fails at once with an error naming the file.
// Prints one line per check and the closing 'N passed, N failed' line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { sabkitWorkers } from '@sabkit/multiprocessing/esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'sabkit-bundle-'));
const expected = {
  piscina: 40,
  pool: [
    [1, 4, 9],
    [2, 3, 4],
  ],
  process: [{ from: 'process' }, 7, 0],
  manager: [1, 2],
};
let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
  }
}

function run(file, args = [], bin = process.execPath, pre = []) {
  return spawnSync(bin, [...pre, file, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
}

/** The binary a platform package ships (as run.mjs finds Bun's and Deno's). */
function platformBinary(pkg, platformPkg, file) {
  try {
    const r = createRequire(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
    const bin = join(dirname(r.resolve(`${platformPkg}/package.json`)), file);
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}
const others = [
  ['bun', platformBinary('bun', '@oven/bun-linux-x64', 'bin/bun'), []],
  // Deno reads CommonJS packages from node_modules only in a folder with a package.json
  // (docs/runtimes.md); the ES module bundle's folder gets one below.
  ['deno', platformBinary('deno', '@deno/linux-x64-glibc', 'deno'), ['run', '-A']],
];

async function bundle(format) {
  const outdir = join(root, format);
  const ext = format === 'esm' ? '.mjs' : '.cjs';
  await build({
    entryPoints: [join(here, 'app.mjs')],
    bundle: true,
    platform: 'node',
    format,
    outdir,
    outExtension: { '.js': ext },
    plugins: [sabkitWorkers()],
    logLevel: 'error',
    // The app's own import.meta.url in CommonJS output (esbuild leaves it empty there).
    ...(format === 'cjs'
      ? {
          define: { 'import.meta.url': '__appUrl' },
          banner: { js: "const __appUrl = require('node:url').pathToFileURL(__filename).href;" },
        }
      : {}),
  });
  cpSync(join(here, 'app-task.mjs'), join(outdir, 'app-task.mjs'));
  return join(outdir, `app${ext}`);
}

const missing = {
  piscina: 'piscina/dist/cjs/worker/launch.cjs',
  pool: 'multiprocessing/dist/cjs/pool/runner.js',
  process: 'multiprocessing/dist/cjs/process/process-worker.js',
  manager: 'multiprocessing/dist/cjs/manager/manager-server.js',
};

try {
  for (const format of ['esm', 'cjs']) {
    let app;
    await check(`esbuild ${format}: builds`, async () => {
      app = await bundle(format);
    });
    if (!app) continue;
    await check(`esbuild ${format}: the bundle runs the pool, Pool, Process and Manager`, () => {
      const r = run(app);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), expected);
    });
    if (format === 'esm') {
      writeFileSync(join(root, format, 'package.json'), '{ "private": true }\n');
      for (const [name, bin, pre] of others) {
        await check(`esbuild ${format}: the bundle runs on ${name}`, () => {
          assert.ok(bin, `no ${name} binary in its npm package`);
          const r = run(app, [], bin, pre);
          assert.equal(r.status, 0, r.stderr);
          assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()), expected);
        });
      }
    }
    for (const [part, file] of Object.entries(missing)) {
      await check(`esbuild ${format}: ${part} with its worker file missing fails at once, naming it`, () => {
        const f = join(root, format, 'sabkit', 'node_modules', '@sabkit', file);
        const keep = `${f}.kept`;
        cpSync(f, keep);
        rmSync(f);
        try {
          const r = run(app, [part]);
          assert.equal(r.signal, null, `${part} hung (killed after 60 s)`);
          assert.notEqual(r.status, 0);
          assert.match(r.stderr, new RegExp(file.split('/').pop().replace('.', '\\.')));
        } finally {
          cpSync(keep, f);
          rmSync(keep);
        }
      });
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
