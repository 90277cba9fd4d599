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
// The code cache ("compile cache"): V8's cached data for each file, kept on disk, as Node's own
// `module.enableCompileCache()` (Node 22.1+) does for every CommonJS module of a process and the
// v8-compile-cache package did before it. Here it covers only sabkit's own files, and it is on by
// default. Where: $SABKIT_COMPILE_CACHE; `0`, `off` or `false` turns it off; when unset,
// <os tmpdir>/sabkit-compile-cache-<uid> (Node's default is <tmpdir>/node-compile-cache;
// v8-compile-cache used <tmpdir>/v8-compile-cache-<uid>). A cache is code: V8 in release builds does
// not verify its data, so a directory that is not this user's alone (another owner, group- or
// world-writable) is not used, and the directory is created 0700. One file per source file, V8
// version, architecture and flags; each holds the source it was made from and is used only for
// exactly that source (compared byte for byte: V8 itself checks only the length), and only if its two
// copies of V8's data are equal (V8 does not verify the data, and crashes on damaged data); V8 checks
// its version and flags again and may reject it (then it is made anew). Written when the process
// that first loaded the file exits (so it holds every function compiled by then), and for a pack again
// by a process that ran more of its modules than the writer did (compile()), to a temporary
// file renamed into place, so readers never see half a file. Any error reading or writing it (a read-only
// disk, a full one) is ignored: the file is compiled without a cache, as Node would.
//
// Written as a function whose source is inlined into each entry (an extra ES module costs ~0.3 ms);
// the first entry that runs in a thread installs it on globalThis and every later one uses that.
// dist/cjs/sabkit-cjs-loader.cjs is the same function for CommonJS (a pool worker's launch script):
// `require('…/sabkit-cjs-loader.cjs').compile(filename, text)` compiles a bundle with the disk cache.

/* eslint-disable */
/**
 * The code cache (above) and whether this loader runs at all (`off`): the part an ES module entry
 * needs before it has read its pack, which carries the rest of the loader (sabkitCjsLoader), so that
 * the rest compiles with the code cache too (an ES module has none on Node 20: its functions are
 * compiled from source in every process).
 */
export function sabkitCodeCache() {
  const proc = globalThis.process;
  const M = proc.getBuiltinModule('node:module');
  const fs = proc.getBuiltinModule('node:fs');
  const path = proc.getBuiltinModule('node:path');
  const vm = proc.getBuiltinModule('node:vm');
  const cache = M._cache;
  // Node's loader only: in Bun and Deno (their module internals are not Node's), and where stack
  // traces are source-mapped (Node does it only for the files its own loader compiled).
  const off =
    proc.versions.bun !== undefined ||
    proc.versions.deno !== undefined ||
    typeof cache !== 'object' ||
    cache === null ||
    typeof M._nodeModulePaths !== 'function' ||
    typeof M._resolveFilename !== 'function' ||
    proc.sourceMapsEnabled === true ||
    proc.execArgv.includes('--enable-source-maps') ||
    /--enable-source-maps/.test(proc.env.NODE_OPTIONS ?? '');
  // "SCK4" little-endian (SCK3: no writer's score; SCK2: one copy of V8's data).
  const MAGIC = 0x344b4353;
  const uid = typeof proc.getuid === 'function' ? proc.getuid() : undefined;
  let cacheDir;
  // The directory, or null (off, or not one this user alone can write: a cache is code, so it must
  // be as trusted as the package's own files; V8 does not check its data in release builds).
  const cacheDirectory = () => {
    if (cacheDir !== undefined) return cacheDir;
    const env = proc.env.SABKIT_COMPILE_CACHE;
    if (env === '0' || env === 'off' || env === 'false') cacheDir = null;
    else if (env) cacheDir = path.resolve(env);
    else {
      // os.tmpdir() without loading node:os (~0.3 ms) where its rule is this simple (POSIX).
      const e = proc.env;
      const tmp =
        proc.platform === 'win32'
          ? proc.getBuiltinModule('node:os').tmpdir()
          : (e.TMPDIR || e.TMP || e.TEMP || '/tmp').replace(/(.)\/+$/, '$1');
      cacheDir = path.join(tmp, uid === undefined ? 'sabkit-compile-cache' : `sabkit-compile-cache-${uid}`);
    }
    if (cacheDir !== null) {
      try {
        let st = fs.statSync(cacheDir, { throwIfNoEntry: false });
        if (st === undefined) {
          fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
          st = fs.statSync(cacheDir);
        }
        if (!st.isDirectory() || (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0))) cacheDir = null;
      } catch {
        cacheDir = null;
      }
    }
    return cacheDir;
  };
  // FNV-1a over a short string (the file's key, not its source), two ways for 64 bits.
  const hash = (s) => {
    let a = 0x811c9dc5;
    let b = 0x01000193 ^ s.length;
    for (let i = 0; i < s.length; i++) {
      a = Math.imul(a ^ s.charCodeAt(i), 0x01000193);
      b = Math.imul(b ^ s.charCodeAt(i), 0x5bd1e995);
    }
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  };
  const flags = proc.execArgv.filter((a) => a.startsWith('--')).join(' ');
  const CACHE_MIN_CHARS = 8192;
  const cacheFile = (filename) => {
    const dir = cacheDirectory();
    if (dir === null) return undefined;
    const key = `${filename}\0${proc.versions.v8}\0${proc.arch}\0${flags}`;
    return path.join(dir, `${path.basename(filename)}-${hash(key)}.bin`);
  };
  // A cache file: MAGIC, the source's byte length (u32 LE), its writer's score (u32 LE: for a pack,
  // the bytes of the pack's modules the writer ran from it; 0 for a file), the source's UTF-8 bytes,
  // V8's data twice. Binary, in Buffers (outside V8's heap): as text (base64) it was ~0.3 MB of strings per
  // import of atomics-sync, enough for an extra young-generation GC (~1 ms) during the import.
  // Twice because V8 in release builds does not checksum its data and can crash the process
  // (SIGSEGV, seen here) on a damaged copy: a file whose two copies differ is not used. One memcmp;
  // a checksum in JS costs ~1 ms in a fresh process (the pool worker's cache does the same).
  const HEAD = 12;
  const readCache = (file, text) => {
    if (file === undefined) return undefined;
    try {
      const c = fs.readFileSync(file);
      if (c.length < HEAD || c.readUInt32LE(0) !== MAGIC) return undefined;
      const n = c.readUInt32LE(4);
      const m = (c.length - HEAD - n) / 2;
      if (!(m > 0) || !Number.isInteger(m)) return undefined;
      // Compared as text: the bytes were written as Buffer.from(source), valid UTF-8, whose decoding is
      // the source itself (and costs less here than encoding `text` to compare bytes).
      if (c.toString('utf8', HEAD, HEAD + n) !== text) return undefined;
      const data = c.subarray(HEAD + n, HEAD + n + m);
      return data.equals(c.subarray(HEAD + n + m)) ? { data, score: c.readUInt32LE(8) } : undefined;
    } catch {
      return undefined;
    }
  };
  const pending = [];
  const flush = () => {
    for (const write of pending.splice(0)) write();
  };
  const writeCache = (file, text, data, score) => {
    try {
      const src = Buffer.from(text);
      const head = Buffer.alloc(HEAD);
      head.writeUInt32LE(MAGIC, 0);
      head.writeUInt32LE(src.length, 4);
      head.writeUInt32LE(score, 8);
      const tmp = `${file}.${proc.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      fs.writeFileSync(tmp, Buffer.concat([head, src, data, data]));
      fs.renameSync(tmp, file);
    } catch {
      // No cache this time: the file was compiled without one, as Node's require() would.
    }
  };
  /**
   * `text` (a CommonJS file's source) compiled in Node's CommonJS wrapper with its code cache when
   * there is a usable one: `status` says 'accepted', 'rejected' (by V8) or 'none'. `save(score)` writes
   * the cache at the thread's exit when it was missing or rejected, or when `score()` (a pack's: the
   * bytes of its modules this process ran from it) is above the score of the accepted cache's writer;
   * `saveNow()` at once, when missing or rejected (a thread that may be terminated, whose 'exit'
   * handlers would not run).
   */
  function compile(filename, text, wrap = true) {
    // A small file compiles faster than its cache is read (measured here: ~50 µs either way at 2 KB).
    const file = off || text.length < CACHE_MIN_CHARS ? undefined : cacheFile(filename);
    const found = readCache(file, text);
    const cachedData = found?.data;
    // Node's CommonJS wrapper on a line of its own: lineOffset -1 keeps stack traces' lines.
    const code = wrap ? `(function (exports, require, module, __filename, __dirname) {\n${text}\n})` : text;
    const script = new vm.Script(code, { filename, lineOffset: wrap ? -1 : 0, cachedData });
    const status = cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'accepted';
    // A pack's cache holds only the functions V8 compiled, so only the modules its writer ran from the
    // pack: a process that found some of them loaded already (from another pack, or by Node's
    // require()) makes a poorer one. So each cache records its writer's score, and a process that ran
    // more from the pack than the accepted cache's writer writes its own (V8's data then holds the old
    // cache's functions too): the caches converge to the fullest run, and a poorer process never
    // replaces a fuller one (found: a poorer cache kept forever made every later import ~2x slower).
    const save = (score) => {
      if (file === undefined || (status === 'accepted' && score === undefined)) return;
      // At exit, as Node's own compile cache flushes: the cache then also holds every function of
      // the file this process compiled on the way (a pool's constructor and first run, not only the
      // module's top level), and the import itself pays nothing for it.
      if (pending.length === 0) proc.once('exit', flush);
      pending.push(() => {
        const s = score === undefined ? 0 : score();
        if (status !== 'accepted' || s > found.score) writeCache(file, text, script.createCachedData(), s);
      });
    };
    const saveNow = () => {
      if (file !== undefined && status !== 'accepted') writeCache(file, text, script.createCachedData(), 0);
    };
    return { script, status, save, saveNow };
  }
  return { proc, M, fs, path, vm, off, compile };
}

/**
 * The loader: `load(filename)` of a package's dist/cjs/ entry, from the code cache's pieces
 * (sabkitCodeCache) and, when an ES module entry read its pack first, that pack (`first`: its file,
 * table and mtime). One per thread, on globalThis.
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
  const isFile = (f) => /\.c?js$/.test(f);
  const ours = (f) => isFile(f) && f.includes(`${path.sep}dist${path.sep}cjs${path.sep}`);

  function requireFrom(parent, id) {
    if (id.startsWith('node:')) return proc.getBuiltinModule(id);
    if (id.startsWith('./') || id.startsWith('../')) {
      const f = path.resolve(parent.path, id);
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
    !/--conditions|-C\b|--preserve-symlinks/.test(proc.env.NODE_OPTIONS ?? '');
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
      if (path.basename(d) !== 'node_modules') {
        const key = `${d}\0${name}`;
        let pkg = pkgs.get(key);
        if (pkg === undefined) {
          const root = path.join(d, 'node_modules', name);
          const json = path.join(root, 'package.json');
          try {
            // stat first: a missing file costs no exception (each ~0.05 ms), and most are missing.
            pkg =
              fs.statSync(json, { throwIfNoEntry: false }) === undefined
                ? null
                : { root, json: JSON.parse(fs.readFileSync(json, 'utf8')) };
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
            const f = fs.realpathSync.native(path.join(pkg.root, target));
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
      const up = path.dirname(d);
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
    for (const [rel, p] of list) use(path.join(roots.get(pkgKey), rel), p);
  };
  const PACK_MTIME_SLACK_MS = 10_000;
  const packsTried = new Set();
  const LOADER = '\0loader'; // a pack's copy of this loader (sabkitBoot), not a file
  function readPack(filename) {
    const file = filename.replace(/\.js$/, '.pack');
    if (off || file === filename || packsTried.has(file)) return;
    packsTried.add(file);
    try {
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (st === undefined) return;
      const text = fs.readFileSync(file, 'utf8');
      const compiled = compile(file, text, false);
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
    const dir = path.dirname(file);
    for (const rel of Object.keys(table)) {
      if (rel === LOADER) continue;
      const p = { size: table[rel][0], fn: table[rel][1], mtime, pack };
      const other = rel.startsWith('@') ? /^(@[^/]+\/[^/@]+@[^/]+)\/(.+)$/.exec(rel) : null;
      if (other !== null) {
        const list = foreign.get(other[1]);
        if (list === undefined) foreign.set(other[1], [[other[2], p]]);
        else list.push([other[2], p]);
        if (roots.has(other[1])) adopt(other[1], roots.get(other[1]));
        continue;
      }
      const f = path.join(dir, rel);
      use(f, p);
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
    first.compiled.save(() => pack.ran);
  }
  // For a script that compiles a bundle itself (a pool worker's launch script): the same disk cache.
  entry.compile = compile;
  Object.defineProperty(g, KEY, { value: entry });
  return entry;
}

/**
 * The start of an ES module entry (inlined in each, as `(sabkitBoot)(cc, cjsFile)` with `cc` =
 * sabkitCodeCache()): reads the entry's pack (`<entry>.pack`), whose first item is this loader, so
 * that the loader compiles with the pack's code cache, and returns the loader; Node's require() where
 * the loader is off or the pack cannot be used.
 */
export function sabkitBoot(cc, cjsFile) {
  const nodeRequire = (f) => cc.M.createRequire(f)(f);
  if (cc.off) return nodeRequire;
  try {
    const file = cjsFile.replace(/\.js$/, '.pack');
    const st = cc.fs.statSync(file);
    const compiled = cc.compile(file, cc.fs.readFileSync(file, 'utf8'), false);
    const table = compiled.script.runInThisContext();
    const make = table['\0loader'];
    if (typeof make === 'function') return make()(cc, { file, table, mtime: st.mtimeMs, compiled });
  } catch {
    // Node's require() below.
  }
  return nodeRequire;
}
