// The bundling test: esbuild bundles app.mjs (ESM and CommonJS output) with the sabkitWorkers()
// plugin into a folder outside the repository (no node_modules above it), and the bundle runs
// there; then, with a worker file removed, each part fails at once with an error naming the file.
// Prints one line per check and the closing 'N passed, N failed' line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { sabkitWorkers } from '@sabkit/piscina/esbuild';

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

function run(file, args = []) {
  return spawnSync(process.execPath, [file, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
}

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
