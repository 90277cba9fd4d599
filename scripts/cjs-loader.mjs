// The loader that scripts/build-cjs.mjs writes into every ES module entry (dist/<entry>.js): it
// loads the package's CommonJS files (dist/cjs/) as Node's require() would, into the same
// require.cache, so that `import` and `require` of the package still give one module instance.
//
// Why not Node's require(): measured here in a fresh process, `createRequire(import.meta.url)(file)`
// costs ~2 ms before the file's own code runs (the CommonJS loader's first use from an ES module,
// then per file: resolution, realpath, the package scope's package.json, compilation), and each
// further file ~0.4 ms. Our files need none of the resolution: they require each other by relative
// path inside dist/cjs/, and Node's builtins by `node:` name. And each file can be compiled with a
// V8 code cache (below), which Node 20 has no way to do for CommonJS.
//
// What it does, per file: require.cache first (a file Node or this loader loaded already is
// returned as it is); else a `module.Module` registered in require.cache before it runs (so cycles
// and a later require() see it), the file compiled with vm.Script in Node's CommonJS wrapper and
// run with a require() that resolves `node:` ids and relative ids itself and hands everything else
// to Node (`Module._resolveFilename`; a package's dist/cjs/ file found that way is loaded here too).
// A file that calls import() is left to Node's require(): code compiled by vm.Script cannot import()
// on Node 20 without an experimental flag. With --enable-source-maps (Node maps stack traces only for
// the files its own loader compiled) everything is left to Node's require().
//
// The code cache: see scripts/cjs-boot.mjs, which also reads the entry's pack (sabkitBoot).
//
// Written as a function whose source each entry's pack carries (an extra ES module costs ~0.3 ms, and
// in the pack it compiles with the pack's code cache); the first entry that runs in a thread installs
// it on globalThis and every later one uses that.
// dist/cjs/sabkit-cjs-loader.cjs is the same function for CommonJS (a pool worker's launch script):
// `require('…/sabkit-cjs-loader.cjs').compile(filename, text)` compiles a bundle with the disk cache.

/* eslint-disable */
/**
 * The loader: `load(filename)` of a package's dist/cjs/ entry, from the code cache
 * (scripts/cjs-boot.mjs, sabkitCodeCache) and, when an ES module entry read its pack first
 * (sabkitBoot), that pack (`first`: its file, table, mtime, script and cache). One per thread, on
 * globalThis.
 */
export function sabkitCjsLoader(cc, first) {
  const KEY = Symbol.for('sabkit.cjs-loader.v1');
  const g = globalThis;
  if (g[KEY] !== undefined) return g[KEY];
  const { proc, M, fs, path, off, compile } = cc;
  const cache = M._cache;
  // node_modules lookup paths per directory (Node computes them per module; ours share a few dirs).
  const dirPaths = new Map();
  const pathsOf = (dir) => {
    let p = dirPaths.get(dir);
    if (p === undefined) dirPaths.set(dir, (p = M._nodeModulePaths(dir)));
    return p.slice();
  };
  // String tests, not regular expressions, on the import's path: each regular expression's first use
  // in a process compiles it (tens of µs here).
  const isFile = (f) => f.endsWith('.js') || f.endsWith('.cjs');
  const ours = (f) => isFile(f) && f.includes(`${path.sep}dist${path.sep}cjs${path.sep}`);

  function requireFrom(parent, id) {
    if (id.startsWith('node:')) return proc.getBuiltinModule(id);
    if (id.startsWith('./') || id.startsWith('../')) {
      const f = under(parent.path, id.startsWith('./') ? id.slice(2) : id);
      if (isFile(f)) return load(f, parent);
    } else if (id.startsWith('@sabkit/')) {
      // Before isBuiltin (no builtin's name starts with '@'), whose first call costs here.
      const f = resolveSabkit(parent.path, id);
      if (f !== undefined) return load(f, parent);
    } else if (M.isBuiltin(id)) return proc.getBuiltinModule(id);
    return parent.require(id);
  }

  // `@sabkit/<name>[/<sub>]` as Node's require() finds it in the usual case, without its resolver
  // (measured ~2-3 ms for its first use in a process): the nearest node_modules/@sabkit/<name>
  // above `dir`, the `require` target of the package's exports[<subpath>] when it is a file in
  // dist/cjs/, the real path (Node's require.cache key). Anything else (another layout, user
  // conditions, --preserve-symlinks, a target that is not ours) is left to Node: undefined.
  const pkgs = new Map();
  const plain =
    !proc.execArgv.some((a) =>
      /^(-C|--conditions|--preserve-symlinks|--import|--loader|--experimental-loader)/.test(a),
    ) &&
    !proc.env.NODE_PRESERVE_SYMLINKS &&
    !(proc.env.NODE_OPTIONS && /--conditions|-C\b|--preserve-symlinks/.test(proc.env.NODE_OPTIONS));
  const resolved = new Map(); // `${dir}\0${id}` -> file or undefined (a file's requires repeat ids)
  function resolveSabkit(dir, id) {
    if (!plain) return undefined;
    const key = `${dir}\0${id}`;
    if (resolved.has(key)) return resolved.get(key);
    const f = findSabkit(dir, id);
    resolved.set(key, f);
    return f;
  }
  function findSabkit(dir, id) {
    const parts = id.split('/');
    if (parts.length < 2 || parts[1] === '') return undefined;
    const name = `${parts[0]}/${parts[1]}`;
    const sub = parts.length > 2 ? `./${parts.slice(2).join('/')}` : '.';
    for (let d = dir; ; ) {
      if (!d.endsWith(`${path.sep}node_modules`)) {
        const key = `${d}\0${name}`;
        let pkg = pkgs.get(key);
        if (pkg === undefined) {
          const root = under(d, `node_modules/${name}`);
          const json = under(root, 'package.json');
          try {
            // stat first: a missing file costs no exception (each ~0.05 ms), and most are missing. Read
            // as the pack was (cjs-boot.mjs's readFile): another way's first use costs ~0.2 ms more.
            pkg =
              fs.statSync(json, { throwIfNoEntry: false }) === undefined
                ? null
                : { root, json: JSON.parse(cc.text(cc.readFile(json).bytes)) };
          } catch (e) {
            pkg = e?.code === 'ENOENT' || e?.code === 'ENOTDIR' ? null : false;
          }
          pkgs.set(key, pkg);
        }
        if (pkg === false) return undefined;
        if (pkg !== null) {
          const t = pkg.json.exports?.[sub];
          const target = typeof t === 'string' ? t : t?.require;
          if (typeof target !== 'string' || !target.startsWith('./dist/cjs/')) return undefined;
          try {
            const f = fs.realpathSync.native(under(pkg.root, target.slice(2)));
            if (!ours(f)) return undefined;
            // The package's files that a pack of another sabkit package carries (see readPack).
            const inPackage = target.slice(2);
            if (f.endsWith(inPackage)) {
              const root = f.slice(0, f.length - inPackage.length);
              adopt(`${name}@${pkg.json.version}`, root);
              if (!entryOf.has(root)) entryOf.set(root, f);
            }
            return f;
          } catch {
            return undefined;
          }
        }
      }
      const up = path.sep === '/' ? d.slice(0, d.lastIndexOf('/')) || '/' : path.dirname(d);
      if (up === d) return undefined;
      d = up;
    }
  }

  // Packs (scripts/build-cjs.mjs): <entry>.pack beside an entry's file holds, as one script, the
  // files of its package that loading the entry loads, each as a function of Node's CommonJS
  // wrapper's parameters with the file's byte size: one read and one compile instead of one per
  // file (measured ~0.2 ms per file here). A module still runs once, under its own file's name in
  // require.cache (so Node's require() and this loader share it), and only when its file is still
  // the one packed: same size and not newer than the pack (an edited or patched file is read).
  // A pack may also carry files of another @sabkit package it loads (piscina's index pack carries the
  // atomics-sync modules its errors use: one read and one compile for the import), keyed
  // `<name>@<version>/<path in that package>`. They are used only for that version of the package,
  // once it is resolved (the files' real paths are known only then), under the same checks.
  const packed = new Map(); // file -> { size, fn, mtime }
  const foreign = new Map(); // `<name>@<version>` -> [[path in the package, entry]] not adopted yet
  const roots = new Map(); // `<name>@<version>` -> the package's real root, once resolved
  // A resolved package's root -> the first entry resolved in it: when that entry came from another
  // package's pack, its own pack is read at the first file of the package no pack read so far holds
  // (atomics-sync's core.pack holds what core's deferred re-exports load: the pool's first start).
  const entryOf = new Map();
  const adopt = (pkgKey, root) => {
    if (!roots.has(pkgKey)) roots.set(pkgKey, root);
    const list = foreign.get(pkgKey);
    if (list === undefined) return;
    foreign.delete(pkgKey);
    for (const [rel, p] of list) use(under(roots.get(pkgKey), rel), p);
  };
  // `rel` (a relative path with `/`: a pack's key, a relative require) under the absolute `dir`, as
  // path.join gives it; by concatenation where that is the same (path.join's and path.resolve's first
  // calls cost ~0.08 ms each in a fresh process).
  const under = (dir, rel) =>
    path.sep !== '/' || rel.startsWith('.') || rel.includes('/.') || rel.includes('//')
      ? path.join(dir, rel)
      : dir.endsWith('/')
        ? dir + rel
        : `${dir}/${rel}`;
  const PACK_MTIME_SLACK_MS = 10_000;
  const packsTried = new Set();
  const LOADER = '\0loader'; // a pack's copy of this loader (sabkitBoot), not a file
  function readPack(filename) {
    if (off || !filename.endsWith('.js')) return;
    const file = `${filename.slice(0, -3)}.pack`;
    if (packsTried.has(file)) return;
    packsTried.add(file);
    try {
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (st === undefined) return;
      const compiled = compile(file, fs.readFileSync(file), false);
      const table = compiled.script.runInThisContext();
      const pack = addPack(file, table, st.mtimeMs);
      compiled.save(() => pack.ran);
    } catch {
      // No pack: each file is read on its own.
    }
  }
  // `ran`: the bytes of the pack's modules this process ran from it, its cache's score (compile()).
  function addPack(file, table, mtime) {
    const pack = { ran: 0 };
    const dir = path.sep === '/' ? file.slice(0, file.lastIndexOf('/')) : path.dirname(file);
    for (const rel of Object.keys(table)) {
      if (rel === LOADER) continue;
      const p = { size: table[rel][0], fn: table[rel][1], mtime, pack };
      // `<@scope/name>@<version>/<path>`: another package's file.
      const at = rel.startsWith('@') ? rel.indexOf('/', rel.indexOf('/') + 1) : -1;
      if (at > 0) {
        const pkgKey = rel.slice(0, at);
        const list = foreign.get(pkgKey);
        if (list === undefined) foreign.set(pkgKey, [[rel.slice(at + 1), p]]);
        else list.push([rel.slice(at + 1), p]);
        if (roots.has(pkgKey)) adopt(pkgKey, roots.get(pkgKey));
        continue;
      }
      use(under(dir, rel), p);
    }
    return pack;
  }
  // A pack's copy of file `f`, unless the file is loaded already or another pack's copy comes first.
  function use(f, p) {
    if (!packed.has(f) && cache[f] === undefined) packed.set(f, p);
  }
  const fromPack = (filename) => {
    const p = packed.get(filename);
    if (p === undefined) return undefined;
    packed.delete(filename);
    const st = fs.statSync(filename, { throwIfNoEntry: false });
    // "Not newer" allows PACK_MTIME_SLACK_MS: a build cache restoring dist/ (turbo) writes the files
    // in its own order, a few ms apart (a pack was seen 4 ms older than files it holds); an edit or a
    // patch comes long after (npm extracts every file with one date).
    if (st === undefined || st.size !== p.size || st.mtimeMs > p.mtime + PACK_MTIME_SLACK_MS) return undefined;
    p.pack.ran += p.size;
    return p.fn;
  };

  function load(filename, parent) {
    const have = cache[filename];
    if (have !== undefined) {
      packed.delete(filename);
      return have.exports;
    }
    // A --lazy module's pack (<file>.pack beside it, scripts/build-cjs.mjs): the files it loads.
    if (!packed.has(filename)) readPack(filename);
    if (!packed.has(filename) && entryOf.size > 0)
      for (const [root, f] of entryOf) if (filename.startsWith(root)) readPack(f);
    const fn = fromPack(filename);
    let text;
    if (fn === undefined) {
      try {
        text = fs.readFileSync(filename, 'utf8');
      } catch {
        return parent === undefined ? M.createRequire(filename)(filename) : parent.require(filename);
      }
      // import() needs Node's own loader on Node 20 (see above).
      if (/\bimport\(/.test(text))
        return parent === undefined ? M.createRequire(filename)(filename) : parent.require(filename);
    }
    const mod = new M(filename, parent ?? null);
    mod.filename = filename;
    // Node reads `paths` only to resolve a package id from this module: made on first read.
    Object.defineProperty(mod, 'paths', {
      get: () => {
        const p = pathsOf(mod.path);
        Object.defineProperty(mod, 'paths', { value: p, writable: true, configurable: true, enumerable: true });
        return p;
      },
      set: (p) =>
        Object.defineProperty(mod, 'paths', { value: p, writable: true, configurable: true, enumerable: true }),
      configurable: true,
      enumerable: true,
    });
    const req = (id) => requireFrom(mod, id);
    req.resolve = (request, options) => M._resolveFilename(request, mod, false, options);
    req.cache = cache;
    req.main = proc.mainModule;
    cache[filename] = mod;
    let compiled;
    try {
      if (fn === undefined) compiled = compile(filename, text);
      (fn ?? compiled.script.runInThisContext())(mod.exports, req, mod, filename, mod.path);
    } catch (e) {
      delete cache[filename];
      throw e;
    }
    mod.loaded = true;
    compiled?.save();
    return mod.exports;
  }

  const entry = off
    ? (filename) => M.createRequire(filename)(filename)
    : (filename) => {
        readPack(filename);
        return load(filename, undefined);
      };
  if (first !== undefined && !off) {
    packsTried.add(first.file);
    const pack = addPack(first.file, first.table, first.mtime);
    cc.kept(first.cacheFile, first.bytes, first.script, first.found).save(() => pack.ran);
  }
  // For a script that compiles a bundle itself (a pool worker's launch script): the same disk cache.
  entry.compile = compile;
  Object.defineProperty(g, KEY, { value: entry });
  return entry;
}
