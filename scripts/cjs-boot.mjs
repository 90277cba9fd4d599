// The start of the ES module entries' loader (scripts/cjs-loader.mjs) and its code cache.
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
// by a process that ran more of its modules than the writer did (see `save`), to a temporary
// file renamed into place, so readers never see half a file. Any error reading or writing it (a read-only
// disk, a full one) is ignored: the file is compiled without a cache, as Node would.
//
// sabkitBoot is inlined, minified, into each ES module entry (an ES module has no code cache on Node
// 20: its code is compiled from source in every process, so it holds only what reads the entry's
// pack); the pack carries the rest (sabkitCodeCache, sabkitCjsLoader), compiled with the pack's cache.

/* eslint-disable */
/**
 * The ES module entry's start: `sabkitBoot(file)` reads `<file without .js>.pack` with its code cache
 * and returns the loader the pack carries (`"\0loader"`), or Node's require() where the loader is off
 * (Bun, Deno, source maps: Node maps stack traces only for the files its own loader compiled) or the
 * pack cannot be used. `sabkitBoot()` returns the cache's reading side, for sabkitCodeCache.
 */
export function sabkitBoot(cjsFile) {
  const proc = globalThis.process;
  const M = proc.getBuiltinModule('node:module');
  const fs = proc.getBuiltinModule('node:fs');
  const path = proc.getBuiltinModule('node:path');
  const env = proc.env;
  const cache = M._cache;
  const nodeRequire = (f) => M.createRequire(f)(f);
  const off =
    proc.versions.bun !== undefined ||
    proc.versions.deno !== undefined ||
    typeof cache !== 'object' ||
    cache === null ||
    typeof M._nodeModulePaths !== 'function' ||
    typeof M._resolveFilename !== 'function' ||
    proc.sourceMapsEnabled === true ||
    proc.execArgv.includes('--enable-source-maps') ||
    (env.NODE_OPTIONS ?? '').includes('--enable-source-maps');
  // "SCK4" little-endian (SCK3: no writer's score; SCK2: one copy of V8's data).
  const MAGIC = 0x344b4353;
  // A cache file: MAGIC, the source's byte length, its writer's score (for a pack, the bytes of the
  // pack's modules the writer ran from it; 0 for a file), each u32 LE; the source's UTF-8 bytes; V8's
  // data twice. Binary, in Buffers (outside V8's heap). Twice because V8 in release builds does not
  // checksum its data and can crash the process (SIGSEGV, seen here) on a damaged copy: a file whose
  // two copies differ is not used. One memcmp; a checksum in JS costs ~1 ms in a fresh process (the
  // pool worker's cache does the same).
  const HEAD = 12;
  const uid = typeof proc.getuid === 'function' ? proc.getuid() : undefined;
  const sep = path.sep;
  let dir;
  // The directory, or null (off, or not one this user alone can write: a cache is code, so it must
  // be as trusted as the package's own files; V8 does not check its data in release builds).
  const cacheDir = () => {
    if (dir !== undefined) return dir;
    const set = env.SABKIT_COMPILE_CACHE;
    if (set === '0' || set === 'off' || set === 'false') return (dir = null);
    // path.resolve's first call costs ~0.1 ms: an absolute path without `.`/`..` parts is its own.
    const plain = (p) =>
      sep === '/' && p.startsWith('/') && !p.endsWith('/') && !`${p}/`.includes('/./') && !`${p}/`.includes('/../');
    if (set) dir = plain(set) && !set.includes('//') ? set : path.resolve(set);
    else {
      // os.tmpdir() without loading node:os (~0.3 ms) where its rule is this simple (POSIX).
      let tmp =
        proc.platform === 'win32'
          ? proc.getBuiltinModule('node:os').tmpdir()
          : env.TMPDIR || env.TMP || env.TEMP || '/tmp';
      if (proc.platform !== 'win32') while (tmp.length > 1 && tmp.endsWith('/')) tmp = tmp.slice(0, -1);
      dir = `${tmp}${sep}${uid === undefined ? 'sabkit-compile-cache' : `sabkit-compile-cache-${uid}`}`;
    }
    try {
      let st = fs.statSync(dir, { throwIfNoEntry: false });
      if (st === undefined) {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        st = fs.statSync(dir);
      }
      if (!st.isDirectory() || (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0))) dir = null;
    } catch {
      dir = null;
    }
    return dir;
  };
  const flags = proc.execArgv.filter((a) => a.startsWith('--')).join(' ');
  // The cache file of `filename`: its name and FNV-1a of its key (path, V8, architecture, flags), two
  // ways for 64 bits; undefined without a cache directory.
  const cacheName = (filename) => {
    if (cacheDir() === null) return undefined;
    const s = `${filename}\0${proc.versions.v8}\0${proc.arch}\0${flags}`;
    let a = 0x811c9dc5;
    let b = 0x01000193 ^ s.length;
    for (let i = 0; i < s.length; i++) {
      a = Math.imul(a ^ s.charCodeAt(i), 0x01000193);
      b = Math.imul(b ^ s.charCodeAt(i), 0x5bd1e995);
    }
    const h = (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
    return `${dir}${sep}${filename.slice(filename.lastIndexOf(sep) + 1)}-${h}.bin`;
  };
  // A file's bytes and mtime: open, fstat, read, close (at a process's first use, ~0.15 ms less than
  // statSync and readFileSync, whose paths run more of Node's code).
  const readFile = (file) => {
    const fd = fs.openSync(file, 'r');
    try {
      const st = fs.fstatSync(fd);
      const bytes = Buffer.allocUnsafeSlow(st.size);
      let n = 0;
      for (let k = 1; n < st.size && k > 0; n += k) k = fs.readSync(fd, bytes, n, st.size - n, n);
      return { bytes: n === st.size ? bytes : bytes.subarray(0, n), mtimeMs: st.mtimeMs };
    } finally {
      fs.closeSync(fd);
    }
  };
  // { data, score } of `file` when it was made from `src` (the source's bytes, a Buffer, compared
  // with one memcmp; or its text), else undefined.
  const readCache = (file, src) => {
    if (file === undefined) return undefined;
    try {
      const c = readFile(file).bytes;
      if (c.length < HEAD || c.readUInt32LE(0) !== MAGIC) return undefined;
      const n = c.readUInt32LE(4);
      const m = (c.length - HEAD - n) / 2;
      if (!(m > 0) || !Number.isInteger(m)) return undefined;
      const same =
        typeof src === 'string' ? c.toString('utf8', HEAD, HEAD + n) === src : src.equals(c.subarray(HEAD, HEAD + n));
      if (!same) return undefined;
      const data = c.subarray(HEAD + n, HEAD + n + m);
      return data.equals(c.subarray(HEAD + n + m)) ? { data, score: c.readUInt32LE(8) } : undefined;
    } catch {
      return undefined;
    }
  };
  // A file's bytes as text (utf8Slice: toString('utf8') costs ~0.1 ms more at a process's first call).
  const text = (bytes) => (typeof bytes.utf8Slice === 'function' ? bytes.utf8Slice(0, bytes.length) : bytes.toString());
  const base = { proc, M, fs, path, off, MAGIC, HEAD, cacheName, readCache, text, readFile };
  if (cjsFile === undefined) return base;
  if (off) return nodeRequire;
  try {
    const file = `${cjsFile.slice(0, -3)}.pack`;
    const { bytes, mtimeMs } = readFile(file);
    const cacheFile = cacheName(file);
    const found = readCache(cacheFile, bytes);
    const vm = proc.getBuiltinModule('node:vm');
    const script = new vm.Script(text(bytes), { filename: file, cachedData: found?.data });
    const table = script.runInThisContext();
    const make = table['\0loader'];
    if (typeof make === 'function')
      return make()(base, { file, table, mtime: mtimeMs, script, bytes, found, cacheFile });
  } catch {
    // Node's require() below.
  }
  return nodeRequire;
}

/**
 * The code cache's compiling and writing side, from sabkitBoot()'s reading side (`base`).
 * `compile(filename, src, wrap)`: `src` (a file's text, or a pack's bytes) compiled, in Node's
 * CommonJS wrapper unless `wrap` is false, with its code cache when there is a usable one: `status`
 * says 'accepted', 'rejected' (by V8) or 'none'. `kept(...)` the same for a script sabkitBoot compiled.
 */
export function sabkitCodeCache(base) {
  const { proc, fs, MAGIC, HEAD, cacheName, readCache, text } = base;
  const vm = proc.getBuiltinModule('node:vm');
  const CACHE_MIN_CHARS = 8192;
  const pending = [];
  const flush = () => {
    for (const write of pending.splice(0)) write();
  };
  const writeCache = (file, src, data, score) => {
    try {
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
  // `save(score)` writes the cache at the thread's exit when it was missing or rejected, or when
  // `score()` is above the score of the accepted cache's writer. A pack's cache holds only the
  // functions V8 compiled, so only the modules its writer ran from the pack: a process that found some
  // of them loaded already (from another pack, or by Node's require()) makes a poorer one. So each
  // cache records its writer's score (the bytes of the pack's modules it ran from it), and a process
  // that ran more writes its own (V8's data then holds the old cache's functions too): the caches
  // converge to the fullest run, and a poorer process never replaces a fuller one (found: a poorer
  // cache kept forever made every later import ~2x slower). `saveNow()` at once, when missing or
  // rejected (a thread that may be terminated, whose 'exit' handlers would not run).
  function kept(file, src, script, found) {
    const status = found === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'accepted';
    const bytes = () => (typeof src === 'string' ? Buffer.from(src) : src);
    const save = (score) => {
      if (file === undefined || (status === 'accepted' && score === undefined)) return;
      // At exit, as Node's own compile cache flushes: the cache then also holds every function of
      // the file this process compiled on the way (a pool's constructor and first run, not only the
      // module's top level), and the import itself pays nothing for it.
      if (pending.length === 0) proc.once('exit', flush);
      pending.push(() => {
        const s = score === undefined ? 0 : score();
        if (status !== 'accepted' || s > found.score) writeCache(file, bytes(), script.createCachedData(), s);
      });
    };
    const saveNow = () => {
      if (file !== undefined && status !== 'accepted') writeCache(file, bytes(), script.createCachedData(), 0);
    };
    return { script, status, save, saveNow };
  }
  function compile(filename, src, wrap = true) {
    // A small file compiles faster than its cache is read (measured here: ~50 µs either way at 2 KB).
    const file = base.off || src.length < CACHE_MIN_CHARS ? undefined : cacheName(filename);
    const found = readCache(file, src);
    const code = typeof src === 'string' ? src : text(src);
    // Node's CommonJS wrapper on a line of its own: lineOffset -1 keeps stack traces' lines.
    const wrapped = wrap ? `(function (exports, require, module, __filename, __dirname) {\n${code}\n})` : code;
    const script = new vm.Script(wrapped, { filename, lineOffset: wrap ? -1 : 0, cachedData: found?.data });
    return kept(file, src, script, found);
  }
  return { ...base, compile, kept };
}
