// Shared by the packages' test/import-footprint.test.ts: runs lines of an ES module in a fresh
// `node -e` and returns the JSON its last output line prints. What a fresh import loads can only be
// seen in a process nothing has loaded anything into yet.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Runs `lines` with `cwd` (a directory URL: the calling test's, so `@sabkit/*` resolve as there),
 * a code cache of its own (SABKIT_COMPILE_CACHE in a temporary directory) and `EMPTY_MODULE`
 * replaced by the URL of an empty module.
 */
export function fresh(cwd, lines) {
  const dir = mkdtempSync(join(tmpdir(), 'sabkit-footprint-'));
  try {
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export {};\n');
    const script = lines.join('\n').replaceAll('EMPTY_MODULE', JSON.stringify(pathToFileURL(empty).href));
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(cwd),
      env: { ...process.env, SABKIT_COMPILE_CACHE: join(dir, 'cache') },
      encoding: 'utf8',
      timeout: 50_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Node's public built-ins that a line of process.moduleLoadList names (internal ones are left out):
// `builtins()` lists those loaded since the prelude, `loaded(name)` says whether one is. With -e,
// Node's ES module loader loads its file-reading parts at the first import() of a file (string_decoder
// among them): an empty module imported first loads those before the list is taken.
export const BUILTINS = [
  'await import(EMPTY_MODULE);',
  'const before = new Set(process.moduleLoadList);',
  'const builtins = () => process.moduleLoadList.filter((m) => !before.has(m) && /^NativeModule [^/]+$/.test(m))',
  "  .map((m) => m.slice('NativeModule '.length)).sort();",
  "const loaded = (b) => process.moduleLoadList.includes('NativeModule ' + b);",
];

// The dist/cjs/ files that `await import(spec)` reads (packs and CommonJS files, as `<package>/cjs/<path>`,
// sorted, each once) in `dist`: fs.readFileSync and fs.openSync (the loader reads a pack by open, fstat
// and read: scripts/cjs-boot.mjs) are patched around the import by `watch()`, `unwatch()`. The ES module
// entry (dist/index.js) is Node's to read (Node 24's loader reads it with readFileSync), and the code
// cache is not dist/.
export const readsOf = (spec) => [
  "const fs = process.getBuiltinModule('node:fs');",
  'const read = fs.readFileSync;',
  'const open = fs.openSync;',
  'const reads = [];',
  'const watch = () => {',
  '  fs.readFileSync = function (p, ...rest) { reads.push(String(p)); return read.call(this, p, ...rest); };',
  '  fs.openSync = function (p, ...rest) { reads.push(String(p)); return open.call(this, p, ...rest); };',
  '};',
  'const unwatch = () => { fs.readFileSync = read; fs.openSync = open; };',
  'watch();',
  `await import('${spec}');`,
  'unwatch();',
  'const dist = [...new Set(reads)].map((p) => /([^/]+)\\/dist\\/(cjs\\/.*)$/.exec(p))',
  '  .filter((m) => m && /\\.(c?js|pack)$/.test(m[2]))',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a line of the child's script
  '  .map((m) => `${m[1]}/${m[2]}`).sort();',
];
