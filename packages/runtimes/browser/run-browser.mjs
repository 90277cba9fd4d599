// The browser suite: bundles page.mjs and its module worker (worker.mjs) for the browser twice,
// with esbuild and with Vite's production build (the packages' `browser` entries; Vite follows the
// page's `new Worker(new URL('./worker.mjs', import.meta.url))`), serves them from 127.0.0.1
// (server.mjs) and runs each in headless Chromium (Debian's `chromium`, installed by .ci/run)
// driven by playwright-core: cross-origin isolated, and without the headers. Prints one line per
// case and 'N passed, N failed, N skipped'.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { sabkitWorkers } from '@sabkit/piscina/esbuild';
import { build as viteBuild } from 'vite';
import { chromium } from 'playwright-core';
import { serve } from './server.mjs';

const CHROMIUM = process.env.SABKIT_CHROMIUM ?? '/usr/bin/chromium';
// Cases that wait on a named piece of work elsewhere: while they fail they are reported as skipped
// with that reason; once one passes it counts as passed, and the line says the entry is stale
// (failing the run instead would turn CI red merely because the awaited work merged first).
const PENDING = {};
const here = fileURLToPath(new URL('.', import.meta.url));
if (!existsSync(CHROMIUM)) {
  // In CI (.ci/run installs Debian's chromium package) a missing browser is a failure, not a skip.
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  console.log(`${ci ? 'FAIL' : 'skip'}: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium package)`);
  console.log(ci ? '0 passed, 1 failed, 0 skipped' : '0 passed, 0 failed, 1 skipped');
  process.exit(ci ? 1 : 0);
}

const out = mkdtempSync(join(tmpdir(), 'sabkit-browser-'));
const profile = mkdtempSync(join(tmpdir(), 'sabkit-chromium-'));
let passed = 0;
let failed = 0;
let skipped = 0;
let browser;
let server;
try {
  // The pages' esbuild builds differ only in their entries, in whether the sabkitWorkers() plugin
  // places the pools' worker scripts (esbuild does not follow `new Worker(new URL(...))`), and in
  // the extension of the files a page names itself (./worker.mjs, ./manager-worker.mjs).
  const esbuild = (entryPoints, { workers = false, mjs = false } = {}) =>
    build({
      entryPoints,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      outdir: join(out, 'esbuild'),
      ...(mjs ? { outExtension: { '.js': '.mjs' } } : {}),
      logLevel: 'error',
      ...(workers ? { plugins: [sabkitWorkers()] } : {}),
    });
  await esbuild({ page: join(here, 'page.mjs'), worker: join(here, 'worker.mjs') }, { mjs: true });
  // The pool page and the manager page (its server's sabkit-manager-worker.js added by the plugin).
  await esbuild({ 'pool-page': join(here, 'pool-page.mjs') }, { workers: true });
  await esbuild({ 'manager-page': join(here, 'manager-page.mjs') }, { workers: true });
  // The manager page's own module worker, which the page names ./manager-worker.mjs.
  await esbuild({ 'manager-worker': join(here, 'manager-worker.mjs') }, { mjs: true });
  for (const f of ['index.html', 'pool-task.mjs']) cpSync(join(here, f), join(out, 'esbuild', f));
  for (const name of ['pool', 'manager']) {
    const html = readFileSync(join(here, `${name}.html`), 'utf8').replace(`./${name}-page.mjs`, `./${name}-page.js`);
    writeFileSync(join(out, 'esbuild', `${name}.html`), html);
  }
  await viteBuild({
    root: here,
    base: './',
    configFile: false,
    logLevel: 'error',
    build: {
      outDir: join(out, 'vite'),
      emptyOutDir: true,
      target: 'es2022',
      rollupOptions: {
        input: { index: join(here, 'index.html'), pool: join(here, 'pool.html'), manager: join(here, 'manager.html') },
      },
    },
    worker: { format: 'es' },
  });
  // Each build once more without the sabkit worker scripts: each must fail naming its script, not hang.
  for (const bundler of ['esbuild', 'vite']) {
    const copy = join(out, 'missing-worker', bundler);
    cpSync(join(out, bundler), copy, { recursive: true });
    for (const f of readdirSync(copy, { recursive: true }))
      if (/sabkit-(piscina|pool|process|manager)-worker[^/]*\.js$/.test(f)) rmSync(join(copy, f));
  }
  server = await serve(out);
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const runs = [];
  for (const bundler of ['esbuild', 'vite'])
    for (const mode of ['isolated', 'plain'])
      for (const html of ['index.html', 'pool.html', 'manager.html']) runs.push([bundler, mode, `${bundler}/${html}`]);
  for (const bundler of ['esbuild', 'vite'])
    for (const html of ['pool.html', 'manager.html'])
      runs.push([bundler, 'isolated', `missing-worker/${bundler}/${html}`]);
  for (const [bundler, mode, path] of runs) {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    if (process.env.SABKIT_BROWSER_DEBUG) page.on('console', (m) => console.log(`  console: ${m.text()}`));
    await page.goto(`${server.url}/${mode}/${path}`);
    let results;
    try {
      await page.waitForFunction(() => window.__sabkitResults !== undefined, undefined, { timeout: 60_000 });
      results = await page.evaluate(() => window.__sabkitResults);
    } catch (e) {
      results = [{ name: `${path} (${mode})`, ok: false, error: `${e.message}; page errors: ${errors.join('; ')}` }];
    }
    if (results.length === 0) results = [{ name: `${path} (${mode})`, ok: false, error: 'ran no case' }];
    for (const r of results) {
      const pending = PENDING[r.name];
      if (pending !== undefined && !r.ok) {
        skipped++;
        console.log(
          `skip [chromium, ${bundler}, ${mode}] ${r.name}: pending ${pending} (now: ${r.error.split('\n')[0]})`,
        );
      } else if (pending !== undefined) {
        passed++;
        console.log(
          `ok   [chromium, ${bundler}, ${mode}] ${r.name} (was pending: take it off PENDING in run-browser.mjs)`,
        );
      } else {
        if (r.ok) passed++;
        else failed++;
        console.log(`${r.ok ? 'ok  ' : 'FAIL'} [chromium, ${bundler}, ${mode}] ${r.name}${r.ok ? '' : `: ${r.error}`}`);
      }
    }
    await page.close();
  }
} catch (e) {
  failed++;
  console.log(`FAIL [chromium] the run: ${e?.stack ?? e}`);
} finally {
  await browser?.close();
  await server?.close();
  rmSync(out, { recursive: true, force: true });
  rmSync(profile, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
