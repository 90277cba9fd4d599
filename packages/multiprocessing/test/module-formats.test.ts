// The published build's two faces, require() and import: one implementation on every Node 20+
// (scripts/module-formats-test.mjs), and this package driven end to end from CommonJS.
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
const helper = new URL('../../../../scripts/module-formats-test.mjs', import.meta.url).href;
const { moduleFormatTests, cjsScriptTests } = (await import(
  helper
)) as typeof import('../../../scripts/module-formats-test.mjs');
moduleFormatTests(pkgDir);

// A Pool (a task module and an inline function, which run through the pool's runner.js) and a
// Process (its worker entry, process-worker.js) with a shared Value, from CommonJS.
const MP_FILES = {
  'tasks.cjs': ['exports.square = (x) => x * x;', 'exports.inc = (v) => { v.value += 1; };', ''].join('\n'),
  'main.cjs': [
    "const mp = require('@sabkit/multiprocessing');",
    "const { join } = require('node:path');",
    "const tasks = join(__dirname, 'tasks.cjs');",
    'async function main() {',
    '  const pool = new mp.Pool(2);',
    '  let squares;',
    '  let inline;',
    '  try {',
    "    squares = await pool.map({ filename: tasks, name: 'square' }, [1, 2, 3]);",
    '    inline = await pool.map((x) => x + 1, [1, 2, 3]);',
    '  } finally {',
    '    await pool[Symbol.asyncDispose]();',
    '  }',
    "  const v = new mp.Value('i', 0);",
    "  const p = new mp.Process({ target: { filename: tasks, name: 'inc' }, args: [v] });",
    '  p.start();',
    '  await p.join();',
    "  const esm = await import('@sabkit/multiprocessing');",
    "  const sync = require('@sabkit/atomics-sync');",
    '  return {',
    '    squares,',
    '    inline,',
    '    value: v.value,',
    '    exitCode: p.exitCode,',
    '    oneLock: mp.Lock === sync.Lock && esm.Lock === sync.Lock && new esm.Lock() instanceof sync.Lock,',
    '  };',
    '}',
    'main().then((r) => console.log(JSON.stringify(r)));',
    '',
  ].join('\n'),
};
const MP_EXPECTED = { squares: [1, 4, 9], inline: [2, 3, 4], value: 1, exitCode: 0, oneLock: true };

cjsScriptTests(pkgDir, 'mp', 'a CommonJS script runs a Pool and a Process end to end', MP_FILES, MP_EXPECTED);
