/**
 * The script a pool worker starts with. It loads the worker entry, compiled with V8's code cache
 * when it can.
 *
 * Why: a new worker compiles the entry bundle (~55 KB) before anything else, 2.5-3.5 ms of the
 * cold start (new pool -> first result) on the critical path; with a code cache it is ~1 ms. Two
 * caches, the first one that applies:
 *  - in memory, from main: the first worker of a process hands main a cache once it has run its
 *    first task (`createCodeCache()`, called from entry.ts; it then also holds the functions that
 *    task compiled), and main gives it to every worker it starts after that; a worker that found
 *    the disk cache hands main that one instead (made the same way, and not serialised again);
 *  - on disk, for the first workers of a fresh process (`readDiskCache` below): made and written
 *    once the worker has run its first task (`saveDiskCache`, from entry.ts), so that it holds the
 *    functions the worker compiled on its way to a first result (the task loop, the codec), not
 *    only the bundle's top level. Measured here (31 fresh processes each, launch -> the first
 *    task's response): top level only (~33 KB of V8 data) 7.81 ms (q25-q75 7.01-8.17), after the
 *    first task (~65 KB) 5.72 (5.34-6.20). Before the bundle lost its namespace objects
 *    (bundle-worker.mjs) that cache was ~130 KB and its deserialisation took about what it saved.
 * V8 checks each cache against its own version, its flags and the source's length. A cache that
 * does not match is rejected, and the script compiles as usual.
 *
 * The disk cache lives where scripts/cjs-loader.mjs keeps the packages' own code cache, under the
 * same rules, read here with nothing else loaded (that loader costs a worker ~1-2 ms to load):
 * directory `$SABKIT_COMPILE_CACHE` (`0`, `off` or `false`: off), else
 * `<tmpdir>/sabkit-compile-cache-<uid>`; used only if it is a directory of this user's that no one
 * else can write (a cache is code: V8 does not verify its data in release builds), created 0700; a
 * file is used only for the byte-identical source and intact (MAGIC below);
 * written to a temporary file renamed into place. Off in Bun and Deno.
 *
 * Two builds:
 *  - published (dist/): the entry is one CommonJS bundle, `entry.cjs` (scripts/bundle-worker.mjs).
 *    It is compiled here through vm.Script, with Node's CommonJS wrapper.
 *  - unbundled (the tests' build): the entry is the ES module `entry.js`, imported as it is. There
 *    is no code cache for it.
 *
 * Code compiled through vm.Script cannot call import() without --experimental-vm-modules on
 * Node 20. The stable `vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER` prints an ExperimentalWarning
 * on Node 20 in every worker. So the bundle has no import() of its own: it imports through
 * `importModule` here, a real CommonJS module's import(). It sits in the entry's directory, so
 * relative specifiers resolve the same.
 *
 * CommonJS (`.cts`), so that the bundle can be run with this script's own `require`, as Node
 * would run it.
 */
import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');
import workerThreads = require('node:worker_threads');

/** globalThis key under which this script leaves a WorkerLaunch for the entry (src/worker-state.ts's LAUNCH_KEY). */
const LAUNCH_KEY = Symbol.for('sabkit.piscina.launch.v1');
/** The environment-data key of the worker's start-up record (src/worker-state.ts's INIT_ENV_KEY). */
const INIT_ENV_KEY = 'sabkit:piscina:init:v1';
/**
 * A cache file: MAGIC, the source's byte length, the data's byte length (u32 LE each, then 4 zero
 * bytes), the source's bytes, zeros up to a multiple of 8, V8's data, and V8's data again. The copy
 * is not for tampering (only this user can write the directory) but for a damaged file: V8 release
 * builds do not verify the data they deserialise, and bad data crashes the process (SIGSEGV, seen
 * here). Comparing two copies is one memcmp; a checksum in JavaScript cost a new worker ~1-1.5 ms
 * for 50 KB, and loading node:zlib for its crc32 ~2-4 ms (measured here).
 */
const MAGIC = 0x32574353; // "SCW2"
const HEAD = 16;

/** What became of a code cache (src/worker-state.ts's CodeCacheStatus). */
type CodeCacheStatus = 'none' | 'accepted' | 'rejected' | 'unbundled' | 'off';

const bundle = path.join(__dirname, 'entry.cjs');
const launch: {
  importModule(specifier: string): Promise<unknown>;
  require(specifier: string): unknown;
  createCodeCache(): Uint8Array | undefined;
  saveDiskCache: (() => void) | undefined;
  codeCache: CodeCacheStatus;
  diskCache: CodeCacheStatus;
} = {
  importModule: (specifier) => import(specifier),
  require: (specifier) => require(specifier),
  createCodeCache: () => undefined,
  saveDiskCache: undefined,
  codeCache: 'unbundled',
  diskCache: 'unbundled',
};
(globalThis as Record<symbol, unknown>)[LAUNCH_KEY] = launch;

/** The cache directory if the disk cache is on (not checked yet: see trusted()). */
function cacheDirectory(): string | undefined {
  const env = process.env;
  const set = env.SABKIT_COMPILE_CACHE;
  if (set === '0' || set === 'off' || set === 'false') return undefined;
  if (process.versions.bun !== undefined || process.versions.deno !== undefined) return undefined;
  if (set) return path.resolve(set);
  const tmp =
    process.platform === 'win32'
      ? (process.getBuiltinModule('node:os') as typeof import('node:os')).tmpdir()
      : (env.TMPDIR || env.TMP || env.TEMP || '/tmp').replace(/(.)\/+$/, '$1');
  const uid = process.getuid?.();
  return path.join(tmp, uid === undefined ? 'sabkit-compile-cache' : `sabkit-compile-cache-${uid}`);
}

/** Whether `dir` is a directory that only this user can write; undefined if there is none yet. */
function trusted(dir: string): boolean | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return undefined;
  }
  const uid = process.getuid?.();
  return st.isDirectory() && (uid === undefined || (st.uid === uid && (st.mode & 0o022) === 0));
}

/** The cache file's name: one per bundle path, V8 version, architecture and flags (FNV-1a, 32 bits). */
function cacheName(): string {
  const key = `${bundle}\0${process.versions.v8}\0${process.arch}\0${process.execArgv.join(' ')}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return `piscina-worker-${(h >>> 0).toString(16).padStart(8, '0')}.bin`;
}

/** Where V8's data starts in a cache file for a source of `n` bytes. */
const dataOffset = (n: number): number => (HEAD + n + 7) & ~7;

/** Whether readDiskCache found a file (usable or not). */
let diskFileFound = false;

/** V8's data from the cache file made for exactly `source`, or undefined. */
function readDiskCache(file: string, source: Buffer): Buffer | undefined {
  try {
    const c = fs.readFileSync(file);
    diskFileFound = true;
    if (c.length < HEAD || c.readUInt32LE(0) !== MAGIC || c.readUInt32LE(4) !== source.length) return undefined;
    const at = dataOffset(source.length);
    const n = c.readUInt32LE(8);
    if (c.length !== at + 2 * n || !c.subarray(HEAD, HEAD + source.length).equals(source)) return undefined;
    const data = c.subarray(at, at + n);
    return data.equals(c.subarray(at + n)) ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the cache file; any error (a read-only or full disk) only means no cache next time. */
function writeDiskCache(dir: string, file: string, source: Buffer, data: Buffer): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (trusted(dir) !== true) return;
    const at = dataOffset(source.length);
    const out = Buffer.alloc(at + 2 * data.length);
    out.writeUInt32LE(MAGIC, 0);
    out.writeUInt32LE(source.length, 4);
    out.writeUInt32LE(data.length, 8);
    source.copy(out, HEAD);
    data.copy(out, at);
    data.copy(out, at + data.length);
    const tmp = `${file}.${process.pid}.${workerThreads.threadId}.tmp`;
    fs.writeFileSync(tmp, out, { mode: 0o600 });
    fs.renameSync(tmp, file);
    removeStaleTemporaries(dir, file);
  } catch {
    // No cache this time.
  }
}

/** Longest a temporary cache file may be another writer's, still writing. */
const TMP_STALE_MS = 60_000;

/**
 * Removes the temporary files of `file` that writers terminated between their write and their
 * rename left behind (a pool worker can be terminated at any point; seen here). A younger one may
 * be another process's write in progress, so only those older than TMP_STALE_MS go.
 */
function removeStaleTemporaries(dir: string, file: string): void {
  const prefix = `${path.basename(file)}.`;
  for (const name of fs.readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    try {
      const p = path.join(dir, name);
      if (Date.now() - fs.statSync(p).mtimeMs > TMP_STALE_MS) fs.unlinkSync(p);
    } catch {
      // Gone already (another writer removed it).
    }
  }
}

let source: Buffer | undefined;
try {
  source = fs.readFileSync(bundle);
} catch {
  // The tests' unbundled build: no entry.cjs.
}
if (source !== undefined) {
  const init = workerThreads.getEnvironmentData(INIT_ENV_KEY) as { codeCache?: Uint8Array } | undefined;
  let cachedData: Uint8Array | undefined = init?.codeCache;
  let dir = cachedData === undefined ? cacheDirectory() : undefined;
  const usable = dir === undefined ? false : trusted(dir);
  if (usable === false) dir = undefined; // off, or a directory others can write: not used at all
  const file = dir === undefined ? undefined : path.join(dir, cacheName());
  if (file !== undefined && usable === true) cachedData = readDiskCache(file, source);
  // Node's CommonJS wrapper, on a line of its own: lineOffset -1 keeps stack traces' line numbers.
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {\n${source.toString('utf8')}\n})`,
    {
      filename: bundle,
      lineOffset: -1,
      cachedData,
    },
  );
  const status = cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'accepted';
  launch.codeCache = init?.codeCache === undefined ? 'none' : status;
  launch.diskCache = file === undefined ? 'off' : status;
  if (file !== undefined && status !== 'accepted') {
    // Made when written, after the first task: it then holds what that task compiled (see above).
    const src = source;
    // Not if another writer (the process's other first worker, another process) made one since
    // there was none: one writer per file, and none left half-done by a worker terminated mid-write.
    const replace = diskFileFound;
    launch.saveDiskCache = () => {
      if (replace || !fs.existsSync(file)) writeDiskCache(dir as string, file, src, script.createCachedData());
    };
  }
  // After the first task, the cache also holds every function compiled lazily on its way; a disk
  // cache V8 accepted was made that way, and main gets a copy of it.
  const accepted = file !== undefined && status === 'accepted' ? cachedData : undefined;
  launch.createCodeCache = () => (accepted !== undefined ? new Uint8Array(accepted) : script.createCachedData());
  const mod = { exports: {} };
  (script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void)(
    mod.exports,
    require,
    mod,
    bundle,
    __dirname,
  );
} else {
  void import('./entry.js');
}
