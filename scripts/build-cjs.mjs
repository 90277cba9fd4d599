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
//   cjs/<entry>.js        one bundle per entry, of the modules only that entry loads; a module
//                         that two entries load (index and core, index and internal, a pool's
//                         worker script and the index) is a file of its own, at its src path,
//                         which both require. So every module is in exactly one file (checked
//                         here), subpath entries stay small, and a program that loads several
//                         entries still has one instance of each module. *.cts files become *.cjs.
//   <entry>.js            the ES module entry: requires ./cjs/<entry>.js and re-exports its names
//   **/*.d.ts             declarations from tsc (ES module types, for both conditions)
// Entries: the package's exports, the modules import()ed by relative path (found here), and the
// files loaded by path (--entry=src/...: worker scripts found with `new URL('./x.js',
// import.meta.url)`, modules a worker import()s through a variable).
// Why bundles: measured here, require() of piscina's index took ~90 ms as ~60 files and ~50 ms as
// one (the files' resolution and wrapping cost more than their code).
// The source maps point into src/, which the package ships.
//
// `import.meta.url` becomes the URL the module would have as its own file in dist/cjs/ (from
// __dirname, declared on the first line of the files that use it, so the source map's lines stay
// right): `new URL('./worker.js', import.meta.url)` finds the same file wherever the module was
// bundled, and this script checks that the file is there.
//
// Option --esm-entry=<src file> (repeatable): a worker's entry script with top-level await, which
// CommonJS cannot have. It is built as an ES module (<name>.mjs, its imports still the CommonJS
// files), and <name>.js is a CommonJS stub that imports it, so the path other modules start the
// worker with stays the same.
//
// Option --class=<name> (piscina): the CommonJS index's module.exports is that export itself, with
// every other named export as a static of it, as npm piscina's `require('piscina')` is; the ES
// module entry's default is the same object, and its named exports are the object's own properties.
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { LAZY_HELPER, deferRequires } from './lazy-requires.mjs';
import { sabkitBoot, sabkitCodeCache } from './cjs-boot.mjs';
import { sabkitCjsLoader } from './cjs-loader.mjs';
import { writeEntries } from './build-cjs-entries.mjs';
import { writePacks } from './build-cjs-packs.mjs';

const pkgDir = process.cwd();
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const requireHere = createRequire(join(pkgDir, 'package.json'));
const { build } = requireHere('esbuild');
// Option --made-later=<path under the package>: a file a later build step writes (piscina's worker
// bundle, dist/cjs/worker/entry.cjs); the check that every file found by URL exists skips it, and
// the later step checks it made it.
const madeLater = new Set(
  process.argv.filter((a) => a.startsWith('--made-later=')).map((a) => join(process.cwd(), a.slice(13))),
);
const classArg = process.argv.find((a) => a.startsWith('--class='));
const className = classArg?.slice('--class='.length);
const pathEntries = process.argv
  .filter((a) => a.startsWith('--entry='))
  .map((a) => join(process.cwd(), a.slice('--entry='.length)));
// Option --lazy=<src file> (repeatable): a module loaded on first use (scripts/lazy-requires.mjs).
// It is a file of its own, with what only it uses, and the modules that import it require it when
// they first read one of its exports (where every use reads a property; else at once).
const lazyModules = new Set(
  process.argv.filter((a) => a.startsWith('--lazy=')).map((a) => join(process.cwd(), a.slice('--lazy='.length))),
);
// Option --lazy-package=<id> (repeatable): another package (or subpath) whose require() is deferred
// the same way, until a module first reads one of its names (typed-struct's Lock: the atomics-sync
// index is loaded by the first lock() field, the rest comes from its small `core` entry).
const lazyPackages = new Set(
  process.argv.filter((a) => a.startsWith('--lazy-package=')).map((a) => a.slice('--lazy-package='.length)),
);
// Option --lazy-reexports=<src file> (repeatable): an entry that only re-exports (atomics-sync's `core`):
// each of its own modules is required when a name of it is first read, so a package that needs two
// of the entry's names (piscina's errors) loads only the modules that define them.
const lazyReexports = new Set(
  process.argv
    .filter((a) => a.startsWith('--lazy-reexports='))
    .map((a) => join(process.cwd(), a.slice('--lazy-reexports='.length))),
);
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
// So would declarations tsc wrote for a source since deleted or renamed (tsc never removes them).
for (const f of walk(dist)) {
  const m = relative(dist, f).match(/^(.*)\.d\.(?:c|m)?ts(?:\.map)?$/);
  if (m && !['.ts', '.cts', '.mts'].some((ext) => existsSync(join(src, `${m[1]}${ext}`)))) rmSync(f);
}

const sources = walk(src).filter((f) => /\.c?ts$/.test(f) && !/\.d\.c?ts$/.test(f));

const IMPORT_META_URL = '__sabkitImportMetaUrl';
const IMPORT_META_DECL = [
  `var ${IMPORT_META_URL} = (p) =>`,
  'require("node:url").pathToFileURL(require("node:path").join(__dirname, p)).href;',
].join(' ');

/** The package's entries: export subpaths whose `import` is ./dist/<entry>.js and `require` ./dist/cjs/<entry>.js. */
const entries = [];
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (typeof target !== 'object') continue;
  // Files shipped as they are, not built (piscina's bundler plugin under bundlers/).
  if (!target.import?.startsWith('./dist/') && !target.require?.startsWith('./dist/')) continue;
  const m = /^\.\/dist\/(.+)\.js$/.exec(target.import ?? '');
  if (!m || target.require !== `./dist/cjs/${m[1]}.js`)
    throw new Error(
      `build-cjs: exports["${subpath}"] must map import to ./dist/<entry>.js, require to ./dist/cjs/<entry>.js`,
    );
  entries.push(m[1]);
}

/** Source file (absolute) -> its CommonJS file in dist/cjs/. */
const outFile = (f) => join(cjs, relative(src, f).replace(/\.ts$/, '.js'));
/** A relative import's source file: `./x.js` is `./x.ts`. */
const sourceOf = (importer, spec) => join(dirname(importer), spec).replace(/\.js$/, '.ts');

/**
 * Which modules each entry loads: its module graph within src/ (packages and builtins are left
 * out). An entry is an export of the package or a file loaded by path (--entry, --esm-entry).
 */
async function graph(entry, found = new Set()) {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
    plugins: [
      {
        name: 'packages-external',
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
          // A module import()ed by relative path is loaded as a file: an entry of its own.
          b.onResolve({ filter: /^\./ }, (args) => {
            // A --lazy module is an entry of its own: what it uses is counted there.
            const target = sourceOf(args.importer, args.path);
            if (lazyModules.has(target) && target !== entry) return { path: args.path, external: true };
            if (args.kind !== 'dynamic-import') return undefined;
            found.add(sourceOf(args.importer, args.path));
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  return Object.keys(r.metafile.inputs).map((f) => join(pkgDir, f));
}

const cjsEntries = [...entries.map((e) => join(src, `${e}.ts`)), ...pathEntries];
for (const m of lazyModules) if (!cjsEntries.includes(m)) cjsEntries.push(m);
for (const f of [...cjsEntries, ...esmEntries])
  if (!sources.includes(f)) throw new Error(`build-cjs: entry ${relative(pkgDir, f)} is not a source file`);
// Every module an ES module entry imports gets a file of its own (its imports must be files).
const esmImports = new Set();
for (const e of esmEntries) {
  const found = new Set();
  for (const m of await graph(e, found)) if (m !== e) esmImports.add(m);
  for (const f of found) if (!cjsEntries.includes(f)) cjsEntries.push(f);
}
const reach = new Map(); // module -> how many entries load it
for (let i = 0; i < cjsEntries.length; i++) {
  const found = new Set();
  for (const m of await graph(cjsEntries[i], found)) reach.set(m, (reach.get(m) ?? 0) + 1);
  for (const f of found) if (!cjsEntries.includes(f)) cjsEntries.push(f);
}
// A module loaded by two entries gets a file of its own (one instance, required by both).
const shared = new Set([...reach].filter(([, n]) => n > 1).map(([m]) => m));
for (const m of esmImports) shared.add(m);

/**
 * Bundles what only this output uses; an import of a shared module (or of a package or a builtin)
 * stays a require() of its file. `from` is the output file the importer ends up in.
 */
const linkShared = (from, cjsOutput = true) => ({
  name: 'link-shared',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      // import() loads at run time, the file it names (launch.cts's fallback to ./entry.js).
      if (!args.path.startsWith('.') || args.kind === 'dynamic-import') return { path: args.path, external: true };
      const target = sourceOf(args.importer, args.path);
      if (!shared.has(target) && !lazyModules.has(target)) return undefined;
      let rel = relative(dirname(from), outFile(target)).split('\\').join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return { path: rel, external: true };
    });
    if (!cjsOutput) return;
    // import.meta.url: the URL the module would have as a file of its own in dist/cjs/, so that
    // `new URL('./worker.js', import.meta.url)` finds the same file wherever the code was bundled.
    b.onLoad({ filter: /\.c?ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const rel = relative(dirname(from), outFile(args.path)).split('\\').join('/');
      return {
        contents: text.replaceAll('import.meta.url', `${IMPORT_META_URL}(${JSON.stringify(rel)})`),
        loader: 'ts',
      };
    });
  },
});

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false,
  metafile: true,
  // Bundling renames a class that refers to itself (`class _Lock`); keep `name` as written.
  keepNames: true,
  logLevel: 'warning',
};
const bundled = new Map(); // source module -> the output that holds it
const record = (result) => {
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    for (const input of Object.keys(meta.inputs)) {
      const m = join(pkgDir, input);
      if (bundled.has(m)) throw new Error(`build-cjs: ${input} is in ${bundled.get(m)} and in ${out}: two copies`);
      bundled.set(m, out);
    }
  }
};
for (const m of shared) {
  if (esmEntries.includes(m)) continue;
  const outfile = outFile(m);
  record(await build({ ...common, entryPoints: [m], outfile, plugins: [linkShared(outfile)] }));
}
for (const e of cjsEntries) {
  if (shared.has(e)) continue;
  const outfile = outFile(e);
  record(await build({ ...common, entryPoints: [e], outfile, plugins: [linkShared(outfile)] }));
}
for (const f of esmEntries) {
  const name = relative(src, f).replace(/\.ts$/, '');
  const outfile = join(cjs, `${name}.mjs`);
  record(await build({ ...common, entryPoints: [f], outfile, format: 'esm', plugins: [linkShared(outfile, false)] }));
  const base = name.split('/').pop();
  writeFileSync(
    join(cjs, `${name}.js`),
    `"use strict";\n// scripts/build-cjs.mjs --esm-entry: ${base}.mjs has top-level await.\nimport("./${base}.mjs");\n`,
  );
}
const cts = sources.filter((f) => f.endsWith('.cts'));
for (const f of cts) {
  const outfile = join(cjs, relative(src, f).replace(/\.cts$/, '.cjs'));
  record(await build({ ...common, entryPoints: [f], outfile, plugins: [linkShared(outfile)] }));
}
writeFileSync(join(cjs, 'package.json'), '{\n  "type": "commonjs"\n}\n');
// The ES module entries' loader for CommonJS callers (scripts/cjs-loader.mjs): one per thread.
writeFileSync(
  join(cjs, 'sabkit-cjs-loader.cjs'),
  '"use strict";\n// Generated by scripts/build-cjs.mjs from scripts/cjs-loader.mjs.\n' +
    "module.exports =\n  globalThis[Symbol.for('sabkit.cjs-loader.v1')] ??\n" +
    `  (${sabkitCjsLoader.toString()})((${sabkitCodeCache.toString()})((${sabkitBoot.toString()})()));\n`,
);

// esbuild's CommonJS exports are an object of getters (`__export`, live bindings) copied into a second
// object of getters over the first (`__toCommonJS`): one layer is enough. The exports object itself,
// marked __esModule, has the same keys, getters and enumerability; a module's top level then makes
// half the accessors (~0.2 ms less for piscina's import, 10 modules, in a fresh process).
const ONE_LAYER = /^module\.exports = __toCommonJS\(([\w$]+)\);$/m;
for (const f of walk(cjs)) {
  if (!/\.c?js$/.test(f)) continue;
  let text = readFileSync(f, 'utf8');
  if (ONE_LAYER.test(text)) {
    text = text.replace(ONE_LAYER, 'module.exports = __defProp($1, "__esModule", { value: true });');
    writeFileSync(f, text);
  }
  const lazyFiles = new Set([...lazyModules].map(outFile));
  const reexporter = [...lazyReexports].some((e) => outFile(e) === f);
  const deferred = deferRequires(text, (id) =>
    id.startsWith('node:') || lazyPackages.has(id)
      ? 'builtin'
      : id.startsWith('.') && (reexporter || lazyFiles.has(join(dirname(f), id)))
        ? 'own'
        : false,
  );
  if (deferred.deferred.length > 0) {
    if (!text.startsWith('"use strict";\n'))
      throw new Error(`build-cjs: ${relative(pkgDir, f)} does not start with "use strict"`);
    text = `"use strict"; ${LAZY_HELPER}${deferred.text.slice('"use strict";'.length)}`;
    writeFileSync(f, text);
  }
  if (text.includes(IMPORT_META_URL)) {
    if (!text.startsWith('"use strict";'))
      throw new Error(`build-cjs: ${relative(pkgDir, f)} does not start with "use strict"`);
    text = `"use strict"; ${IMPORT_META_DECL}${text.slice('"use strict";'.length)}`;
    writeFileSync(f, text);
  }
  // Every file a module finds beside itself by URL must be there.
  for (const [, target, at] of text.matchAll(/new URL\("([^"]+)", __sabkitImportMetaUrl\("([^"]+)"\)\)/g)) {
    const path = join(dirname(f), dirname(at), target);
    if (!existsSync(path) && !madeLater.has(path))
      throw new Error(`build-cjs: ${relative(pkgDir, f)} refers to ${relative(pkgDir, path)}: missing`);
  }
  if (/\bimport\.meta\.\w/.test(text)) throw new Error(`build-cjs: ${relative(pkgDir, f)} still uses import.meta`);
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

writePacks({ pkgDir, cjs, entries, lazyModules, lazyReexports, outFile });
writeEntries({ pkgDir, dist, cjs, entries, requireHere });

// package.json's sideEffects must name files that exist: the modules that register kinds are
// inside the bundles now. A pattern (piscina's browser build, written by a later step) is not checked.
if (Array.isArray(pkg.sideEffects)) {
  for (const f of pkg.sideEffects)
    if (!f.includes('*') && !existsSync(join(pkgDir, f)))
      throw new Error(`build-cjs: sideEffects names ${f}, which the build did not write`);
}
