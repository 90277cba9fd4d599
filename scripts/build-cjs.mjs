#!/usr/bin/env node
// Builds a package's JavaScript (run from the package directory, after `tsc -p tsconfig.json`,
// which only writes declarations): one CommonJS implementation plus thin ES module entries.
//
// Why: `engines` says Node >= 20, and Node before 20.19 (and 22.0-22.11) cannot require() an ES
// module. A package published as ESM alone fails there with ERR_REQUIRE_ESM. Publishing both an
// ESM and a CommonJS build of the same code would give one process two copies of every class
// (the dual-package hazard: `instanceof` fails across them, and two kind registries). So the code
// is built once, as CommonJS, and the ES module entries only re-export what it exports: whether a
// program reaches the package through `require` or `import`, it runs the one module instance.
//
// Layout (dist/):
//   cjs/package.json      {"type": "commonjs"}: every .js file below is CommonJS
//   cjs/**/*.js           each src module compiled on its own (imports stay requires of the
//                         sibling files), so the package's entries (index, core, internal) share
//                         modules and subpath entries stay small; *.cts files become *.cjs
//   <entry>.js            the ES module entry: imports ./cjs/<entry>.js and re-exports its names
//   **/*.d.ts             declarations from tsc (ES module types, for both conditions)
// The source maps point into src/, which the package ships.
//
// `import.meta.url` (used to find worker scripts beside a module) becomes the CommonJS file's own
// URL, pathToFileURL(__filename), declared on the first line of the files that use it (so the
// source map's lines stay right).
//
// Option --esm-entry=<src file> (repeatable): a worker's entry script with top-level await, which
// CommonJS cannot have. It is built as an ES module (<name>.mjs, its imports still the CommonJS
// files), and <name>.js is a CommonJS stub that imports it, so the path other modules start the
// worker with stays the same.
//
// Option --class=<name> (piscina): the CommonJS index's module.exports is that export itself, with
// every other named export as a static of it, as npm piscina's `require('piscina')` is; the ES
// module entry's default is the same object, and its named exports are the object's own properties.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const pkgDir = process.cwd();
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const requireHere = createRequire(join(pkgDir, 'package.json'));
const { build } = requireHere('esbuild');
const classArg = process.argv.find((a) => a.startsWith('--class='));
const className = classArg?.slice('--class='.length);
const esmEntries = process.argv
  .filter((a) => a.startsWith('--esm-entry='))
  .map((a) => join(process.cwd(), a.slice('--esm-entry='.length)));

const src = join(pkgDir, 'src');
const dist = join(pkgDir, 'dist');
const cjs = join(dist, 'cjs');

/** Every file below `dir`, as paths. */
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

// JavaScript left in dist/ by an earlier build (of this script or of tsc) would be shipped too.
rmSync(cjs, { recursive: true, force: true });
for (const f of walk(dist)) if (/\.(c|m)?js(\.map)?$/.test(f)) rmSync(f);

const sources = walk(src).filter((f) => /\.c?ts$/.test(f) && !/\.d\.c?ts$/.test(f));

const IMPORT_META_URL = '__sabkitImportMetaUrl';
const IMPORT_META_DECL = `var ${IMPORT_META_URL} = require("node:url").pathToFileURL(__filename).href;`;

/** Every import that is not the entry itself stays a require() of the file it names. */
const externalImports = {
  name: 'external-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      return { path: args.path, external: true };
    });
  },
};

const common = {
  outdir: cjs,
  outbase: src,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false,
  // Bundling renames a class that refers to itself (`class _Lock`); keep `name` as written.
  keepNames: true,
  plugins: [externalImports],
  define: { 'import.meta.url': IMPORT_META_URL },
  logLevel: 'warning',
};
await build({ ...common, entryPoints: sources.filter((f) => f.endsWith('.ts') && !esmEntries.includes(f)) });
for (const f of esmEntries) {
  if (!sources.includes(f)) throw new Error(`build-cjs: --esm-entry ${f} is not a source file`);
  const { define, ...esm } = common;
  await build({ ...esm, entryPoints: [f], format: 'esm', outExtension: { '.js': '.mjs' } });
  const name = relative(src, f).replace(/\.ts$/, '');
  const base = name.split('/').pop();
  writeFileSync(
    join(cjs, `${name}.js`),
    `"use strict";\n// scripts/build-cjs.mjs --esm-entry: ${base}.mjs has top-level await.\nimport("./${base}.mjs");\n`,
  );
}
const cts = sources.filter((f) => f.endsWith('.cts'));
if (cts.length > 0) await build({ ...common, entryPoints: cts, outExtension: { '.js': '.cjs' } });
writeFileSync(join(cjs, 'package.json'), '{\n  "type": "commonjs"\n}\n');

for (const f of walk(cjs)) {
  if (!/\.c?js$/.test(f)) continue;
  let text = readFileSync(f, 'utf8');
  if (text.includes(IMPORT_META_URL)) {
    if (!text.startsWith('"use strict";\n'))
      throw new Error(`build-cjs: ${relative(pkgDir, f)} does not start with "use strict"`);
    text = `"use strict"; ${IMPORT_META_DECL}${text.slice('"use strict";'.length)}`;
    writeFileSync(f, text);
  }
  if (/\bimport\.meta\.\w/.test(text)) throw new Error(`build-cjs: ${relative(pkgDir, f)} still uses import.meta`);
}

/** The package's entries: export subpaths whose `import` is ./dist/<entry>.js and `require` ./dist/cjs/<entry>.js. */
const entries = [];
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target !== 'object') continue;
  const m = /^\.\/dist\/(.+)\.js$/.exec(target.import ?? '');
  if (!m || target.require !== `./dist/cjs/${m[1]}.js`)
    throw new Error(
      `build-cjs: exports["${subpath}"] must map import to ./dist/<entry>.js, require to ./dist/cjs/<entry>.js`,
    );
  entries.push(m[1]);
}

if (className !== undefined) {
  // module.exports becomes the class; the other exports become its statics (not enumerable, as
  // the class's own static getters are not). `default` is not one: require() gives the class.
  const file = join(cjs, 'index.js');
  const text = readFileSync(file, 'utf8');
  const at = text.lastIndexOf('//# sourceMappingURL=');
  const footer = [
    '// scripts/build-cjs.mjs --class: require() of this package gives the class itself.',
    '{',
    '  const ns = module.exports;',
    `  const C = ns.${className};`,
    '  for (const k of Object.keys(ns)) {',
    "    if (k === 'default' || Object.prototype.hasOwnProperty.call(C, k)) continue;",
    '    Object.defineProperty(C, k, { value: ns[k], enumerable: false, writable: false, configurable: true });',
    '  }',
    '  module.exports = C;',
    '}',
    '',
  ].join('\n');
  writeFileSync(file, `${text.slice(0, at)}${footer}${text.slice(at)}`);
}

for (const entry of entries) {
  const cjsFile = join(cjs, `${entry}.js`);
  if (!existsSync(cjsFile)) throw new Error(`build-cjs: no ${relative(pkgDir, cjsFile)} for entry ${entry}`);
  const mod = requireHere(cjsFile);
  let names;
  let hasDefault;
  if (typeof mod === 'function') {
    names = Object.getOwnPropertyNames(mod).filter((k) => !['prototype', 'length', 'name'].includes(k));
    hasDefault = true;
  } else {
    names = Object.keys(mod).filter((k) => k !== 'default');
    hasDefault = Object.hasOwn(mod, 'default');
  }
  for (const k of names) {
    if (!/^[A-Za-z_$][\w$]*$/.test(k)) throw new Error(`build-cjs: ${entry} exports ${k}, not an identifier`);
  }
  const from = `./${relative(dirname(join(dist, entry)), cjsFile)
    .split('\\')
    .join('/')}`;
  const lines = [
    `// Generated by scripts/build-cjs.mjs: the ES module entry of ${from}, the one implementation.`,
    `import mod from '${from}';`,
    '',
  ];
  if (hasDefault) lines.push(typeof mod === 'function' ? 'export default mod;' : 'export default mod.default;');
  if (names.length > 0) lines.push(`export const {\n${names.map((k) => `  ${k},`).join('\n')}\n} = mod;`);
  mkdirSync(dirname(join(dist, entry)), { recursive: true });
  writeFileSync(join(dist, `${entry}.js`), `${lines.join('\n')}\n`);
}
