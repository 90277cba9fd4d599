// The published build's two faces, require() and import: one implementation on every Node 20+
// (scripts/module-formats-test.mjs), and this package driven end to end from CommonJS.
import { fileURLToPath } from 'node:url';

const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
const helper = new URL('../../../../scripts/module-formats-test.mjs', import.meta.url).href;
const { moduleFormatTests, cjsScriptTests } = (await import(
  helper
)) as typeof import('../../../scripts/module-formats-test.mjs');
moduleFormatTests(pkgDir);

const POOL_FILES = {
  'task.cjs': [
    "const P = require('@sabkit/piscina');",
    'module.exports = (x) => ({ value: x * 21, isWorkerThread: P.isWorkerThread, static: P.Piscina === P });',
    '',
  ].join('\n'),
  'main.cjs': [
    "const Piscina = require('@sabkit/piscina');",
    "const { join } = require('node:path');",
    'async function main() {',
    "  const pool = new Piscina({ filename: join(__dirname, 'task.cjs'), maxThreads: 1 });",
    '  try {',
    '    const result = await pool.run(2);',
    "    const esm = await import('@sabkit/piscina');",
    '    const ac = new AbortController();',
    '    ac.abort();',
    '    const aborted = await pool.run(1, { signal: ac.signal }).catch((e) => e);',
    '    return {',
    '      result,',
    '      esmDefault: esm.default === Piscina,',
    '      abortInstanceof: aborted instanceof Piscina.AbortError && aborted instanceof esm.AbortError,',
    '    };',
    '  } finally {',
    '    await pool.destroy();',
    '  }',
    '}',
    'main().then((r) => console.log(JSON.stringify(r)));',
    '',
  ].join('\n'),
};
const POOL_EXPECTED = {
  result: { value: 42, isWorkerThread: true, static: true },
  esmDefault: true,
  abortInstanceof: true,
};

cjsScriptTests(
  pkgDir,
  'pool',
  'a CommonJS script runs a pool task end to end (CommonJS task file)',
  POOL_FILES,
  POOL_EXPECTED,
);
