// sabkitWorkers(): the esbuild plugin that places sabkit's worker files beside a bundle.
//
// Why: a pool, Pool, Process or Manager starts its workers from files of the packages (piscina's
// worker/launch.cjs, multiprocessing's pool/runner.js, process/process-worker.js,
// manager/manager-server.js), found with `new URL('./file.js', import.meta.url)`. esbuild copies
// only what it bundles and does not follow such URLs; and a worker runs in a thread of its own,
// which loads its files by path. So this plugin:
//  1. rewrites the one line of each sabkit module that makes those URLs (scripts/build-cjs.mjs's
//     `__sabkitImportMetaUrl`), so that they point into `<bundle dir>/<dir>/node_modules/<package>/`
//     rather than where the package was when it was bundled;
//  2. after the build, copies every sabkit package the bundle holds (and the sabkit packages they
//     depend on) there: package.json and dist/. Worker threads load that copy, resolved as usual;
//     the main thread runs the bundled code.
//  3. for ES module output (format 'esm'), adds the usual banner that gives the bundle a
//     `require` (the packages are CommonJS, and they require Node's built-in modules).
// Use: `build({ ..., plugins: [sabkitWorkers()] })`; deploy the bundle's folder with its `sabkit/`.
// With `platform: 'browser'` it does none of that: the packages' browser builds start module Web
// Workers from scripts next to the bundle (`new URL('./sabkit-piscina-worker.js', import.meta.url)`;
// multiprocessing's sabkit-pool-worker.js, sabkit-process-worker.js, sabkit-manager-worker.js), which esbuild does not
// follow either, so it adds those scripts (of the packages the app can resolve) as entry points
// under those names. Their output must be `.js` files in the bundle's folder (an `outExtension`
// for '.js' other than '.js' is refused).
// A worker file that is missing at run time fails the start with an error naming the file.
// CommonJS, with an ES module face (esbuild.mjs), so that `require` and `import` of
// '@sabkit/piscina/esbuild' give the same function, as for the package's other entries.
'use strict';
const { cpSync, existsSync, readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join, relative, resolve, sep } = require('node:path');

const HEADER =
  'var __sabkitImportMetaUrl = (p) => require("node:url").pathToFileURL(require("node:path").join(__dirname, p)).href;';

/** The directory of the package.json of a @sabkit package that holds `file`, or undefined. */
function sabkitPackageOf(file) {
  for (let d = dirname(file); d !== dirname(d); d = dirname(d)) {
    const pj = join(d, 'package.json');
    if (!existsSync(pj)) continue;
    const name = JSON.parse(readFileSync(pj, 'utf8')).name;
    if (typeof name === 'string' && name.startsWith('@sabkit/') && existsSync(join(d, 'dist'))) return { dir: d, name };
    if (typeof name === 'string') return undefined;
  }
  return undefined;
}

/** The browser builds' worker scripts: output name -> the export that holds it. */
const BROWSER_SCRIPTS = [
  ['sabkit-piscina-worker', '@sabkit/piscina/sabkit-piscina-worker.js'],
  ['sabkit-pool-worker', '@sabkit/multiprocessing/sabkit-pool-worker.js'],
  ['sabkit-process-worker', '@sabkit/multiprocessing/sabkit-process-worker.js'],
  ['sabkit-manager-worker', '@sabkit/multiprocessing/sabkit-manager-worker.js'],
];

/** Browser builds: adds the pools' worker scripts the app can resolve as entry points (see the header). */
function addBrowserScripts(o) {
  const ext = o.outExtension?.['.js'] ?? '.js';
  if (ext !== '.js')
    throw new Error(
      `sabkitWorkers: the pools load their worker scripts as ./sabkit-…-worker.js next to the bundle; ` +
        `outExtension['.js'] is ${ext}`,
    );
  const req = createRequire(join(o.absWorkingDir ?? process.cwd(), 'package.json'));
  const added = [];
  for (const [out, spec] of BROWSER_SCRIPTS) {
    try {
      added.push({ in: req.resolve(spec), out });
    } catch {
      // That package is not installed for this app: none of its workers to place.
    }
  }
  const ep = o.entryPoints ?? [];
  o.entryPoints = Array.isArray(ep)
    ? [...ep, ...added]
    : { ...ep, ...Object.fromEntries(added.map((a) => [a.out, a.in])) };
}

/** @param {{ dir?: string }} [options] dir: the folder beside the bundle that receives the packages ('sabkit'). */
function sabkitWorkers(options = {}) {
  const dir = options.dir ?? 'sabkit';
  if (!/^[\w.-]+$/.test(dir)) throw new TypeError(`sabkitWorkers: options.dir must be a plain folder name; got ${dir}`);
  return {
    name: 'sabkit-workers',
    setup(build) {
      const o = build.initialOptions;
      if (o.platform === 'browser') {
        addBrowserScripts(o);
        return;
      }
      o.metafile = true;
      const esm = o.format === 'esm';
      const helper = esm
        ? `import { createRequire as __sabkitCreateRequire } from 'node:module';\n` +
          'const require = __sabkitCreateRequire(import.meta.url);\n' +
          `const __sabkitWorkerUrl = (d, p) => new URL(d + '/' + p, new URL('${dir}/', import.meta.url)).href;`
        : 'const __sabkitWorkerUrl = (d, p) => ' +
          `require('node:url').pathToFileURL(require('node:path').join(__dirname, '${dir}', d, p)).href;`;
      o.banner = { ...o.banner, js: o.banner?.js ? `${helper}\n${o.banner.js}` : helper };
      const packages = new Map();
      build.onLoad({ filter: /[\\/]dist[\\/]cjs[\\/].*\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.startsWith(`"use strict"; ${HEADER}`)) return undefined;
        const pkg = sabkitPackageOf(args.path);
        if (pkg === undefined) return undefined;
        packages.set(pkg.name, pkg.dir);
        const rel = ['node_modules', pkg.name, relative(pkg.dir, dirname(args.path))].join('/').split(sep).join('/');
        return {
          contents: text.replace(
            HEADER,
            `var __sabkitImportMetaUrl = (p) => __sabkitWorkerUrl(${JSON.stringify(rel)}, p);`,
          ),
          loader: 'js',
          resolveDir: dirname(args.path),
        };
      });
      build.onEnd((result) => {
        if (result.errors.length > 0 || packages.size === 0) return;
        // Every sabkit package they depend on goes too: a worker resolves them from the copy.
        const todo = [...packages];
        const all = new Map();
        while (todo.length > 0) {
          const [name, pkgDir] = todo.pop();
          if (all.has(name)) continue;
          all.set(name, pkgDir);
          const deps = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).dependencies ?? {};
          const req = createRequire(join(pkgDir, 'package.json'));
          for (const dep of Object.keys(deps)) {
            if (dep.startsWith('@sabkit/')) todo.push([dep, dirname(req.resolve(`${dep}/package.json`))]);
          }
        }
        const outDirs = new Set();
        for (const out of Object.keys(result.metafile?.outputs ?? {})) {
          if (result.metafile.outputs[out].entryPoint !== undefined) outDirs.add(dirname(resolve(out)));
        }
        for (const outDir of outDirs) {
          for (const [name, pkgDir] of all) {
            const to = join(outDir, dir, 'node_modules', name);
            cpSync(join(pkgDir, 'package.json'), join(to, 'package.json'));
            cpSync(join(pkgDir, 'dist'), join(to, 'dist'), { recursive: true, filter: (f) => !f.endsWith('.d.ts') });
          }
        }
      });
    },
  };
}

module.exports = { sabkitWorkers };
