// Start-up as a new user meets it: every sample is a fresh `node` process.
//
//   import       `await import(pkg)` in a fresh node, timed inside it                         ms
//   cold-start   fresh node, package already imported: new pool (2 threads) -> first result,
//                against two raw `new Worker` -> first reply                                  ms
//                with its parts: the constructor's synchronous time (two `new Worker` calls for
//                raw), and the same again for a second pool in that process (what is left once
//                the main thread's code has run once: the threads' own start)                ms
//                and the whole fresh process, timed from before the import: import + new pool ->
//                first result (raw: import of node:worker_threads + two new Worker -> first reply)  ms
//   worker-start fresh node: one raw `new Worker` of an empty module -> its first message   ms
//
// Samples of the impls are interleaved in a rotating order, so drift in the machine's load hits
// every impl alike; the "extra over raw" figure is the median of per-round differences.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { emit, runsFor } from '../lib/report.mjs';

const dir = mkdtempSync(join(tmpdir(), 'sabkit-bench-startup-'));
const file = (name, src) => {
  const p = join(dir, name);
  writeFileSync(p, src);
  return p;
};
const task = file('task.mjs', 'export default (x) => x + 1;\n');
const rawWorker = file(
  'raw-worker.mjs',
  "import { parentPort } from 'node:worker_threads';\n" +
    "parentPort.on('message', (x) => parentPort.postMessage(x + 1));\nparentPort.postMessage('ready');\n",
);
// Each sample is a module file of its own (an -e script's flags would reach its workers' execArgv),
// importing the packages by the URL they resolve to from here.
let scripts = 0;
const script = (lines) => file(`sample-${scripts++}.mjs`, `${lines.join('\n')}\n`);
const url = (spec) => JSON.stringify(import.meta.resolve(spec));
const importLine = (spec) =>
  `const t = performance.now(); await import(${url(spec)}); console.log(performance.now() - t);`;
const importScript = (spec) => script([importLine(spec)]);
// Each cold sample prints { total, ctor, second }: the timed start, its synchronous part, and the
// same start again in that process (after the first has been stopped).
const coldScript = (spec, lines = false) =>
  (lines ? (l) => l : script)([
    'const t0 = performance.now();',
    `const m = await import(${url(spec)});`,
    'const Piscina = m.Piscina ?? m.default;',
    'const start = async () => {',
    '  const t = performance.now();',
    `  const p = new Piscina({ filename: ${JSON.stringify(task)}, minThreads: 2, maxThreads: 2 });`,
    '  const ctor = performance.now() - t;',
    '  await p.run(1);',
    '  const end = performance.now();',
    // Let the second worker finish loading before destroy (never terminate a worker mid-load).
    '  await new Promise((r) => setTimeout(r, 100));',
    '  await p.destroy();',
    '  return { total: end - t, ctor, whole: end - t0 };',
    '};',
    'const first = await start();',
    'const second = await start();',
    'console.log(JSON.stringify({ ...first, second: second.total }));',
  ]);
// Raw's import of node:worker_threads is timed only in `whole`, as the packages' imports are.
const rawScript = script([
  'const t0 = performance.now();',
  "const { Worker } = await import('node:worker_threads');",
  'const start = async () => {',
  '  const t = performance.now();',
  `  const ws = [new Worker(${JSON.stringify(rawWorker)}), new Worker(${JSON.stringify(rawWorker)})];`,
  '  const ctor = performance.now() - t;',
  "  const ready = ws.map((w) => new Promise((r) => w.once('message', r)));",
  '  await ready[0];',
  "  const reply = new Promise((r) => ws[0].once('message', r));",
  '  ws[0].postMessage(1);',
  '  await reply;',
  '  const end = performance.now();',
  '  await ready[1];',
  '  await Promise.all(ws.map((w) => w.terminate()));',
  '  return { total: end - t, ctor, whole: end - t0 };',
  '};',
  'const first = await start();',
  'const second = await start();',
  'console.log(JSON.stringify({ ...first, second: second.total }));',
]);

function sample(path) {
  const r = spawnSync(process.execPath, [path], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  const v = last.startsWith('{') ? JSON.parse(last) : Number.parseFloat(last);
  if (r.status !== 0 || !Number.isFinite(typeof v === 'object' ? v.total : v))
    throw new Error(`startup sample failed: ${r.stderr}`);
  return v;
}

function rounds(section, impls) {
  const names = Object.keys(impls);
  const times = Object.fromEntries(names.map((k) => [k, []]));
  const n = runsFor(15, 5);
  for (const k of names) sample(impls[k]); // warm the OS file cache
  for (let i = 0; i < n; i++) {
    process.stderr.write(`# ${section}: round ${i + 1}/${n}\n`);
    for (let j = 0; j < names.length; j++) {
      const k = names[(i + j) % names.length];
      times[k].push(sample(impls[k]));
    }
  }
  return times;
}

// The floor: a fresh node importing an empty module pays for Node's ES module loader itself (~5 ms
// here), which no package can avoid. Each package's own cost is its time over that floor, paired
// round by round like the cold-start figures below.
const empty = file('empty.mjs', 'export {};\n');
const imports = rounds('import', {
  'empty module': script([
    `const url = ${JSON.stringify(pathToFileURL(empty).href)};`,
    'const t = performance.now(); await import(url); console.log(performance.now() - t);',
  ]),
  '@sabkit/piscina': importScript('@sabkit/piscina'),
  piscina: importScript('piscina'),
  tinypool: importScript('tinypool'),
  '@sabkit/atomics-sync': importScript('@sabkit/atomics-sync'),
  '@sabkit/typed-struct': importScript('@sabkit/typed-struct'),
  '@sabkit/multiprocessing': importScript('@sabkit/multiprocessing'),
  // The same with the ES module entries' code cache off (scripts/cjs-loader.mjs; it is on by default
  // and made by the warm-up sample): what the cache is worth, and a first run's import without it.
  ...Object.fromEntries(
    ['@sabkit/piscina', '@sabkit/atomics-sync', '@sabkit/typed-struct', '@sabkit/multiprocessing'].map((spec) => [
      `${spec}, no code cache`,
      script(["process.env.SABKIT_COMPILE_CACHE = '0';", importLine(spec)]),
    ]),
  ),
});
for (const [impl, t] of Object.entries(imports)) {
  const name = impl.startsWith('@sabkit/') ? `sabkit (${impl})` : impl;
  emit('startup-import', name, 'import() in a fresh node', t, 'ms');
  if (impl === 'empty module') continue;
  const over = t.map((v, i) => v - imports['empty module'][i]);
  emit('startup-import', name, 'extra over importing an empty module (median of paired rounds)', over, 'ms');
}

// sabkit keeps V8's code cache of its files and of its worker entry on disk (made by the warm-up
// sample, as by any earlier run); "no code cache" is a first run after installing (or the cache off).
const noCache = (lines) => script(["process.env.SABKIT_COMPILE_CACHE = '0';", ...lines]);
const coldRuns = rounds('cold start', {
  'raw-2-workers': rawScript,
  sabkit: coldScript('@sabkit/piscina'),
  'sabkit, no code cache': noCache(coldScript('@sabkit/piscina', true)),
  piscina: coldScript('piscina'),
});
const part = (k, field) => coldRuns[k].map((r) => r[field]);
const cold = Object.fromEntries(Object.keys(coldRuns).map((k) => [k, part(k, 'total')]));
emit('startup-cold', 'raw-2-workers', 'fresh node: two new Worker -> first reply', cold['raw-2-workers'], 'ms');
emit(
  'startup-cold',
  'raw-2-workers',
  'fresh node: the two new Worker calls (synchronous)',
  part('raw-2-workers', 'ctor'),
  'ms',
);
emit(
  'startup-cold',
  'raw-2-workers',
  'fresh node: import node:worker_threads + two new Worker -> first reply',
  part('raw-2-workers', 'whole'),
  'ms',
);
emit(
  'startup-cold',
  'raw-2-workers',
  'same process, second time: two new Worker -> first reply',
  part('raw-2-workers', 'second'),
  'ms',
);
const noCacheOver = (field) => part('sabkit, no code cache', field).map((v, i) => v - part('raw-2-workers', field)[i]);
emit(
  'startup-cold',
  'sabkit, no code cache',
  'fresh node: extra over two raw new Worker (median of paired rounds)',
  noCacheOver('total'),
  'ms',
);
emit(
  'startup-cold',
  'sabkit, no code cache',
  'fresh node: import + new pool -> first result, extra over raw (median of paired rounds)',
  noCacheOver('whole'),
  'ms',
);
/** A figure of `k`, then its extra over raw's same figure, round by round (the median of the differences). */
const withExtra = (k, what, values, raw, extra) => {
  emit('startup-cold', k, what, values, 'ms');
  emit(
    'startup-cold',
    k,
    `${extra} (median of paired rounds)`,
    values.map((v, i) => v - raw[i]),
    'ms',
  );
};
for (const k of ['sabkit', 'piscina']) {
  withExtra(
    k,
    'fresh node: new pool (2 threads) -> first result',
    cold[k],
    cold['raw-2-workers'],
    'fresh node: extra over two raw new Worker',
  );
  emit('startup-cold', k, 'fresh node: the constructor (synchronous)', part(k, 'ctor'), 'ms');
  withExtra(
    k,
    'fresh node: import + new pool (2 threads) -> first result',
    part(k, 'whole'),
    part('raw-2-workers', 'whole'),
    'fresh node: import + new pool -> first result, extra over raw',
  );
  withExtra(
    k,
    'same process, second pool: new pool (2 threads) -> first result',
    part(k, 'second'),
    part('raw-2-workers', 'second'),
    'same process, second pool: extra over two raw new Worker, second time',
  );
}
