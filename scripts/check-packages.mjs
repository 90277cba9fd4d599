#!/usr/bin/env node
// What a user gets from npm, checked from the packed tarballs (run by the root test command after
// the build; generic over every package under packages/ that is not `private`):
//  - metadata: repository (git, with `directory`), homepage, bugs, keywords, license, engines, and
//    `files` naming README.md, LICENSE and CHANGELOG.md, which the tarball holds;
//  - every link in the shipped README resolves: a relative link to a file in the tarball, an
//    anchor to a heading, a link into this repository (https://github.com/sabkit/sabkit/blob/main/…)
//    to a file that exists here (and its heading); other absolute URLs are not fetched;
//  - every shipped source map's `sources` and every `sourceMappingURL` point at shipped files;
//  - the tarballs (`pnpm pack`, so workspace:* becomes the version) installed with npm into an
//    empty project give working ES module and CommonJS imports of every export subpath, run a pool
//    task, a Pool.map and a lock in both formats, and a strict TypeScript program against them
//    compiles (and one with a deliberate type error does not, so the compile is not vacuous).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Checks, ROOT, ensure, publishedPackages } from './check-harness.mjs';
import { linkProblems } from './md-links.mjs';

const REPO_URL = 'https://github.com/sabkit/sabkit';
const SHIPPED_DOCS = ['README.md', 'LICENSE', 'CHANGELOG.md'];
const checks = new Checks('packages');
const work = mkdtempSync(join(tmpdir(), 'sabkit-pack-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const packages = await publishedPackages();

// pnpm, the way the root command was started (npm_execpath), or the pinned one through npx. pnpm's
// npm package may install a native executable as its bin (seen on a fresh CI machine), which node
// cannot run as a script: such a file is run directly.
function pnpm(args, cwd) {
  const execpath = process.env.npm_execpath;
  const [cmd, pre] =
    execpath && /pnpm/.test(execpath)
      ? isScript(execpath)
        ? [process.execPath, [execpath]]
        : [execpath, []]
      : [
          'npx',
          ['-y', `pnpm@${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).packageManager.split('@')[1]}`],
        ];
  return execFileSync(cmd, [...pre, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function isScript(file) {
  const head = readFileSync(file).subarray(0, 4);
  return !(head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF');
}

function checkMetadata({ manifest: m, short }) {
  const problems = [];
  if (m.repository?.type !== 'git' || !m.repository?.url?.includes('github.com/sabkit/sabkit'))
    problems.push(`repository must be { type: 'git', url: 'git+${REPO_URL}.git', … }`);
  if (m.repository?.directory !== `packages/${short}`)
    problems.push(`repository.directory must be 'packages/${short}'`);
  if (typeof m.homepage !== 'string' || !m.homepage.startsWith('https://')) problems.push('homepage must be a URL');
  if (typeof m.bugs?.url !== 'string') problems.push('bugs.url must be a URL');
  if (!Array.isArray(m.keywords) || m.keywords.length < 3) problems.push('keywords: at least three');
  if (m.license !== 'MIT') problems.push('license must be MIT (the LICENSE file)');
  if (typeof m.engines?.node !== 'string') problems.push('engines.node must say which Node it runs on');
  if (
    m.engines?.node !== JSON.parse(readFileSync(join(ROOT, 'packages', 'piscina', 'package.json'), 'utf8')).engines.node
  )
    problems.push("engines.node must be the same in every package (they run on one another's code)");
  for (const f of SHIPPED_DOCS) if (!m.files?.includes(f)) problems.push(`files must list ${f}`);
  ensure(problems.length === 0, () => `${m.name}/package.json: ${problems.join('; ')}`);
}

const packed = [];
for (const pkg of packages) {
  console.log(`${pkg.name}:`);
  await checks.check('package.json metadata', () => checkMetadata(pkg));
  let files = [];
  await checks.check('pnpm pack', () => {
    const before = new Set(spawnSync('ls', [tarballs], { encoding: 'utf8' }).stdout.split('\n'));
    pnpm(['pack', '--pack-destination', tarballs], pkg.dir);
    const made = spawnSync('ls', [tarballs], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((f) => f && !before.has(f));
    ensure(made.length === 1, `expected one new tarball, got ${made.join(', ')}`);
    const tgz = join(tarballs, made[0]);
    pkg.tgz = tgz;
    packed.push(pkg);
    const out = join(work, 'unpacked', pkg.short);
    mkdirSync(out, { recursive: true });
    execFileSync('tar', ['-xzf', tgz, '-C', out]);
    pkg.unpacked = join(out, 'package');
    files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    pkg.files = new Set(files);
  });
  if (!pkg.files) continue;
  await checks.check('ships README.md, LICENSE, CHANGELOG.md', () => {
    const missing = SHIPPED_DOCS.filter((f) => !pkg.files.has(f));
    ensure(missing.length === 0, `missing from the tarball: ${missing.join(', ')}`);
    const license = readFileSync(join(pkg.unpacked, 'LICENSE'), 'utf8');
    ensure(license === readFileSync(join(ROOT, 'LICENSE'), 'utf8'), 'LICENSE differs from the repository root one');
    const changelog = readFileSync(join(pkg.unpacked, 'CHANGELOG.md'), 'utf8');
    ensure(
      changelog.startsWith(`# ${pkg.name}\n`),
      `CHANGELOG.md must start with '# ${pkg.name}' (changesets adds below)`,
    );
    ensure(changelog.includes(`## ${pkg.manifest.version}`), `CHANGELOG.md has no entry for ${pkg.manifest.version}`);
  });
  await checks.check('every link in the shipped README resolves', () => {
    const dirs = new Set(
      [...pkg.files].flatMap((f) =>
        f
          .split('/')
          .slice(0, -1)
          .map((_, i, a) => a.slice(0, i + 1).join('/')),
      ),
    );
    const exists = (p) => {
      const n = posix.normalize(p).replace(/\/$/, '');
      if (n.startsWith('..')) return undefined;
      return pkg.files.has(n) || dirs.has(n) ? join(pkg.unpacked, n) : undefined;
    };
    const text = readFileSync(join(pkg.unpacked, 'README.md'), 'utf8');
    const problems = linkProblems(text, `${pkg.name}/README.md`, exists, (f) => readFileSync(f, 'utf8'));
    ensure(problems.length === 0, problems.join('\n'));
  });
}

// A bundle may carry a dependency's code (piscina's worker bundle holds atomics-sync's core): its
// map then points at that dependency's shipped sources, which an install puts beside this package
// (node_modules/@sabkit/<dep>, under npm's and pnpm's layouts alike).
function shippedByDependency(pkg, p) {
  const m = p.match(/^\.\.\/([^/]+)\/(.+)$/);
  if (!m) return false;
  const dep = packed.find((d) => d.short === m[1]);
  return dep !== undefined && pkg.manifest.dependencies?.[dep.name] !== undefined && dep.files?.has(m[2]);
}

for (const pkg of packed) {
  if (!pkg.files) continue;
  console.log(`${pkg.name}:`);
  await checks.check('shipped source maps point at shipped files', () => {
    const problems = [];
    for (const f of pkg.files) {
      if (f.endsWith('.map')) {
        const map = JSON.parse(readFileSync(join(pkg.unpacked, f), 'utf8'));
        for (const s of map.sources ?? []) {
          const p = posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? '', s));
          if (!pkg.files.has(p) && !shippedByDependency(pkg, p))
            problems.push(`${f}: source ${s} (${p}) is not in the tarball`);
        }
      } else if (/\.(c|m)?js$|\.d\.(c|m)?ts$/.test(f)) {
        const m = readFileSync(join(pkg.unpacked, f), 'utf8').match(/\/\/# sourceMappingURL=(\S+)\s*$/);
        if (m && !m[1].startsWith('data:') && !pkg.files.has(posix.normalize(posix.join(posix.dirname(f), m[1]))))
          problems.push(`${f}: sourceMappingURL ${m[1]} is not in the tarball`);
      }
    }
    ensure(problems.length === 0, problems.slice(0, 20).join('\n'));
  });
}

const project = join(work, 'project');
console.log('the tarballs installed into an empty project:');
await checks.check('npm install of every tarball', () => {
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'sabkit-user', private: true, version: '1.0.0' }),
  );
  const r = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', ...packed.map((p) => p.tgz)],
    { cwd: project, encoding: 'utf8', timeout: 180_000 },
  );
  ensure(r.status === 0, `npm install failed:\n${r.stdout}${r.stderr}`);
  for (const p of packed)
    ensure(existsSync(join(project, 'node_modules', p.name, 'package.json')), `${p.name} not installed`);
});

// The user programs: every export subpath Node can load (through import and require), then real
// work in both formats. Browser-only entries (a pool's Web Worker script: no require or import
// condition, as scripts/check-module-formats.mjs counts them) are run by packages/runtimes' browser
// suite instead; in Node they would wait for a Web Worker's start message.
const nodeEntry = (e) => e === null || typeof e === 'string' || e.require !== undefined || e.import !== undefined;
const subpaths = packed.flatMap((p) =>
  Object.entries(p.manifest.exports ?? { '.': null })
    .filter(([k, e]) => !k.endsWith('.json') && nodeEntry(e))
    .map(([k]) => (k === '.' ? p.name : `${p.name}/${k.slice(2)}`)),
);
// The same work in both formats (the four packages are named here; a new one is covered by the
// import/require of its every entry above).
const WORK = `
  const pool = new Piscina({ filename: TASK, maxThreads: 2 });
  const sum = await pool.run({ a: 4, b: 6 });
  if (sum !== 10) throw new Error('pool.run: ' + sum);
  await pool.destroy();
  const p = new Pool(2);
  const sq = await p.map((x) => x * x, [1, 2, 3]);
  if (JSON.stringify(sq) !== '[1,4,9]') throw new Error('Pool.map: ' + sq);
  await p.terminate();
  const lock = new Lock();
  if (!lock.acquire(0) || lock.acquire(0)) throw new Error('Lock');
  lock.release();
  const P = struct({ x: 'f64', id: 'u32' });
  if (P.byteLength !== 16) throw new Error('struct: ' + P.byteLength);
  console.log('ok', FORMAT);`;

function writePrograms() {
  writeFileSync(join(project, 'task.mjs'), 'export default ({ a, b }) => a + b;\n');
  writeFileSync(join(project, 'task.cjs'), 'module.exports = ({ a, b }) => a + b;\n');
  const esmImports = subpaths.map((s, i) => `import * as m${i} from '${s}';`).join('\n');
  const esmCheck = subpaths.map((s, i) => `if (Object.keys(m${i}).length === 0) throw new Error('${s}: no exports');`);
  writeFileSync(
    join(project, 'main.mjs'),
    `${esmImports}
import { Piscina } from '@sabkit/piscina';
import { Pool } from '@sabkit/multiprocessing';
import { Lock } from '@sabkit/atomics-sync';
import { struct } from '@sabkit/typed-struct';
${esmCheck.join('\n')}
const TASK = new URL('./task.mjs', import.meta.url);
const FORMAT = 'esm';
{${WORK}
}
`,
  );
  const cjsRequires = subpaths.map((s) => `if (Object.keys(require('${s}')).length === 0) throw new Error('${s}');`);
  writeFileSync(
    join(project, 'main.cjs'),
    `${cjsRequires.join('\n')}
const { Piscina } = require('@sabkit/piscina');
const { version } = require('@sabkit/piscina/package.json');
if (Piscina.version !== version) throw new Error('Piscina.version ' + Piscina.version + ' is not ' + version);
const { Pool } = require('@sabkit/multiprocessing');
const { Lock } = require('@sabkit/atomics-sync');
const { struct } = require('@sabkit/typed-struct');
const TASK = require('node:path').join(__dirname, 'task.cjs');
const FORMAT = 'cjs';
(async () => {${WORK}
})().catch((e) => { console.error(e); process.exit(1); });
`,
  );
}

for (const [file, label] of [
  ['main.mjs', 'ES module import of every entry, and a pool task, Pool.map, a Lock, a struct'],
  ['main.cjs', 'CommonJS require() of every entry, and the same work'],
]) {
  await checks.check(label, () => {
    if (!existsSync(join(project, 'main.mjs'))) writePrograms();
    const r = spawnSync(process.execPath, [file], { cwd: project, encoding: 'utf8', timeout: 60_000 });
    ensure(
      r.status === 0 && r.stdout.includes('ok'),
      `node ${file}: exit ${r.status} ${r.signal ?? ''}\n${r.stdout}${r.stderr}`,
    );
  });
}

const TS_PROGRAM = readFileSync(join(ROOT, 'scripts', 'packed-user-program.ts'), 'utf8');
function tsc(extra) {
  const bin = join(ROOT, 'node_modules', '.bin', 'tsc');
  return spawnSync(bin, ['-p', join(project, 'tsconfig.json'), ...extra], {
    cwd: project,
    encoding: 'utf8',
    timeout: 120_000,
  });
}
await checks.check('a strict TypeScript program against the installed packages compiles (and runs)', () => {
  writeFileSync(join(project, 'program.mts'), TS_PROGRAM);
  writeFileSync(
    join(project, 'task-typed.mjs'),
    'export default ({ a, b }) => a + b;\nexport const twice = (n) => 2 * n;\n',
  );
  writeFileSync(
    join(project, 'task-typed.d.mts'),
    [
      'export default function add(t: { a: number; b: number }): number;',
      'export declare function twice(n: number): number;',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'ES2022',
        lib: ['ES2024'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
        skipLibCheck: false,
        noEmit: false,
      },
      files: ['program.mts'],
    }),
  );
  const r = tsc([]);
  ensure(r.status === 0, `tsc --strict failed:\n${r.stdout}${r.stderr}`);
  const run = spawnSync(process.execPath, [join(project, 'program.mjs')], {
    cwd: project,
    encoding: 'utf8',
    timeout: 60_000,
  });
  ensure(
    run.status === 0 && run.stdout.includes('typed ok'),
    `the compiled program: exit ${run.status}\n${run.stdout}${run.stderr}`,
  );
});
await checks.check('the same program with a wrong result type does not compile (the check is not vacuous)', () => {
  writeFileSync(
    join(project, 'program.mts'),
    TS_PROGRAM.replace('const sum: number = await', 'const sum: string = await'),
  );
  const r = tsc(['--noEmit']);
  ensure(r.status !== 0 && /TS2322/.test(r.stdout), `expected TS2322, got exit ${r.status}:\n${r.stdout}`);
});

rmSync(work, { recursive: true, force: true });
checks.finish();
