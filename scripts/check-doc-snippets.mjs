#!/usr/bin/env node
// The docs' TypeScript must compile: every ```ts block of the root README, the packages' READMEs
// and docs/ (generic: every *.md there) is type-checked under `strict` against the built packages,
// each block a module of its own; the blocks marked runnable are then run. After the language, the
// fence's info string may say (GitHub shows neither):
//   ```ts fragment   an excerpt that names things it does not declare (not compiled)
//   ```ts runnable   a whole program: compiled, then run with node (it must exit 0 within 60 s)
//   ```ts from=packages/x/examples/y.ts  the block is that example, verbatim but for its leading
//                    comment and `'../src/index.js'` written as the package's name (checked here)
//   ```ts continues  the next step of the document's previous block: compiled after it (so it may
//                    use what that one declared; a guide told as one program in several blocks)
// A block holding several files starts each with a comment line naming it (`// main.ts`,
// `// worker.ts — the task`): each becomes its own module, beside the others, so `new URL('./worker.js',
// import.meta.url)` finds the worker when the block runs. Also checked in the same documents:
// every relative link reaches a file of this repository (and a heading, for an anchor).
// Records its result for scripts/test-summary.mjs (run by the root test command).
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Checks, ROOT, ensure } from './check-harness.mjs';
import { linkProblems } from './md-links.mjs';

/** The example file's code as a user writes it: its leading comment dropped, its package by name. */
function exampleAsUserCode(path) {
  const lines = readFileSync(join(ROOT, path), 'utf8').trimEnd().split('\n');
  let i = 0;
  while (i < lines.length && lines[i].startsWith('//')) i++;
  const pkgDir = join(ROOT, path.split('/').slice(0, 2).join('/'));
  const name = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).name;
  return lines.slice(i).join('\n').replaceAll("from '../src/index.js'", `from '${name}'`);
}

const FILE_MARK = /^\/\/ ([\w.-]+\.(?:ts|mts|js))(?:\s+\S.*)?$/; // `// main.ts` or `// main.ts — what it is`
const checks = new Checks('snippets');

function markdownFiles() {
  const out = [join(ROOT, 'README.md')];
  for (const d of readdirSync(join(ROOT, 'packages'))) {
    const f = join(ROOT, 'packages', d, 'README.md');
    if (existsSync(f)) out.push(f);
  }
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (p !== join(ROOT, 'docs', 'api', 'html')) walk(p);
      } else if (name.endsWith('.md')) out.push(p);
    }
  };
  walk(join(ROOT, 'docs'));
  return out;
}

/** The TypeScript blocks of a markdown text: [{ line (of the first code line), code, flags }]. */
function tsBlocks(text) {
  const blocks = [];
  let open = null;
  text.split('\n').forEach((l, i) => {
    const fence = l.match(/^(\s*)(```|~~~)\s*([\w-]*)\s*(.*)$/);
    if (open) {
      if (fence && fence[2] === open.fence && fence[3] === '') {
        if (open.ts) blocks.push({ line: open.line, code: open.lines.join('\n'), flags: open.flags });
        open = null;
      } else open.lines.push(l.slice(open.indent));
    } else if (fence) {
      const lang = fence[3].toLowerCase();
      const words = fence[4].split(/[\s,]+/).filter(Boolean);
      const flags = new Set(words.filter((w) => !w.includes('=')));
      flags.from = words.find((w) => w.startsWith('from='))?.slice(5);
      open = {
        fence: fence[2],
        indent: fence[1].length,
        ts: lang === 'ts' || lang === 'typescript',
        flags,
        line: i + 2,
        lines: [],
      };
    }
  });
  return blocks;
}

/** Splits a block into files at `// name.ts` lines: [{ name, code, offset }] (offset: its first line in the block). */
function splitFiles(code) {
  const lines = code.split('\n');
  const marks = lines.map((l, i) => [i, l.match(FILE_MARK)]).filter(([, m]) => m);
  if (marks.length === 0 || marks[0][0] !== 0) return [{ name: 'main.ts', code, offset: 0 }];
  return marks.map(([i, m], k) => ({
    name: m[1].replace(/\.(mts|js)$/, '.ts'),
    code: lines.slice(i, k + 1 < marks.length ? marks[k + 1][0] : lines.length).join('\n'),
    offset: i,
  }));
}

const work = mkdtempSync(join(tmpdir(), 'sabkit-snippets-'));
// The built packages, as a user's node_modules would have them.
mkdirSync(join(work, 'node_modules', '@sabkit'), { recursive: true });
for (const d of readdirSync(join(ROOT, 'packages'))) {
  const pj = join(ROOT, 'packages', d, 'package.json');
  if (!existsSync(pj)) continue;
  const name = JSON.parse(readFileSync(pj, 'utf8')).name;
  if (name.startsWith('@sabkit/')) symlinkSync(join(ROOT, 'packages', d), join(work, 'node_modules', name), 'dir');
}
writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'snippets', private: true, type: 'module' }));

const docs = markdownFiles();
const all = []; // { doc, block, dir, files }
for (const doc of docs) {
  const text = readFileSync(doc, 'utf8');
  const rel = relative(ROOT, doc);
  let previous = ''; // the code the next `continues` block is compiled after
  tsBlocks(text).forEach((block, n) => {
    const prefix = block.flags.has('continues') ? previous : '';
    previous = `${prefix}${block.code}\n`;
    if (block.flags.has('fragment')) return;
    const dir = join(work, `${rel.replace(/\W+/g, '_')}_${n}`);
    mkdirSync(dir);
    const files = splitFiles(block.code);
    // The earlier blocks' lines come first (errors there are reported by those blocks).
    const prefixLines = prefix === '' ? 0 : prefix.split('\n').length - 1;
    for (const f of files) {
      writeFileSync(join(dir, f.name), `${f === files[0] ? prefix : ''}${f.code}\nexport {};\n`);
      f.offset -= f === files[0] ? prefixLines : 0;
    }
    all.push({ rel, block, dir, files, prefixLines });
  });
}

writeFileSync(
  join(work, 'tsconfig.json'),
  JSON.stringify({
    compilerOptions: {
      strict: true,
      target: 'ES2022',
      lib: ['ES2024'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
      skipLibCheck: true,
      noEmitOnError: false,
    },
    include: ['*/**/*.ts'],
  }),
);
const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', join(work, 'tsconfig.json')], {
  cwd: work,
  encoding: 'utf8',
  timeout: 180_000,
});
// `dir/file.ts(line,col): error TSxxxx: …` (continuation lines are indented) -> the document's line.
const errors = new Map();
let last = null;
for (const line of r.stdout.split('\n')) {
  const m = line.match(/^(.+?)\((\d+),(\d+)\): (error .*)$/);
  if (m) {
    const file = join(work, m[1]);
    const s = all.find((x) => dirname(file) === x.dir);
    const f = s?.files.find((x) => join(s.dir, x.name) === file);
    const docLine = s && f ? s.block.line + f.offset + Number(m[2]) - 1 : '?';
    if (s && f && docLine < s.block.line) {
      last = null; // in an earlier block's lines, reported there
      continue;
    }
    last = `${s?.rel ?? m[1]}:${docLine}:${m[3]}: ${m[4]}`;
    if (!errors.has(s)) errors.set(s, []);
    errors.get(s).push(last);
  } else if (line.startsWith(' ') && last !== null && line.trim()) {
    errors.get([...errors.keys()].at(-1)).push(`  ${line.trim()}`);
  }
}
ensure(r.status === 0 || errors.size > 0, `tsc failed without a diagnostic: ${r.stdout}${r.stderr}`);

for (const doc of docs) {
  const rel = relative(ROOT, doc);
  const mine = all.filter((s) => s.rel === rel);
  if (mine.length > 0) {
    await checks.check(`${rel}: ${mine.length} TypeScript block(s) compile under strict`, () => {
      const problems = mine.flatMap((s) => errors.get(s) ?? []);
      ensure(problems.length === 0, problems.join('\n'));
    });
  }
  for (const s of mine.filter((x) => x.block.flags.from)) {
    await checks.check(`${rel}:${s.block.line}: the block is ${s.block.flags.from}`, () => {
      ensure(existsSync(join(ROOT, s.block.flags.from)), `no ${s.block.flags.from}`);
      const want = exampleAsUserCode(s.block.flags.from);
      ensure(
        s.block.code.trimEnd() === want,
        () => `the block differs from the example; the example now reads:\n${want}`,
      );
    });
  }
  for (const s of mine.filter((x) => x.block.flags.has('runnable'))) {
    await checks.check(`${rel}:${s.block.line}: the runnable block runs`, () => {
      const main = join(s.dir, s.files[0].name.replace(/\.ts$/, '.js'));
      ensure(existsSync(main), `${main} was not emitted`);
      const run = spawnSync(process.execPath, [main], { cwd: s.dir, encoding: 'utf8', timeout: 60_000 });
      ensure(run.status === 0, `exit ${run.status} ${run.signal ?? ''}\n${run.stdout}${run.stderr}`);
      if (process.env.SABKIT_SNIPPETS_VERBOSE) console.log(run.stdout.replace(/^/gm, '       | '));
    });
  }
  await checks.check(`${rel}: every relative link resolves`, () => {
    const exists = (p) => {
      const target = join(dirname(doc), p);
      return p && existsSync(target) ? target : undefined;
    };
    const problems = linkProblems(readFileSync(doc, 'utf8'), rel, exists, (f) =>
      statSync(f).isDirectory() ? '' : readFileSync(f, 'utf8'),
    );
    ensure(problems.length === 0, problems.join('\n'));
  });
}
rmSync(work, { recursive: true, force: true });
checks.finish();
