/**
 * docs/layouts cannot drift from the code.
 *
 * Every source file that defines a shared-memory layout names its page in its header comment, on
 * a line `Layout: docs/layouts/<page>.md`. This test reads those files as text (it imports
 * nothing, so it holds whatever the packages' code does) and checks, for every page:
 *  - every `export const NAME = <number expression>` with an UPPER_SNAKE name (slots, offsets,
 *    bits, masks, states, sizes, the protocol's timings) in the files that name the page appears
 *    in the page, as a whole word;
 *  - wherever the page states a value right after such a name (`NAME = 3`, `NAME 3`, `NAME (3)`,
 *    `| NAME | 3 |`, with `1 << n`, `2^n`, `~n`, KiB/MiB, and ms/µs for *_MS names), the value
 *    equals what the constant evaluates to (literals, hex, operators, earlier constants of the
 *    same file; a constant that cannot be evaluated here is checked by name only);
 *  - every source path the page mentions exists;
 *  - every UPPER_SNAKE name with an underscore that the page cites still occurs in those sources
 *    (so a renamed constant's old name cannot linger in the page);
 * and, for the set of pages: each is linked from docs/layouts/README.md and named by at least one
 * source file, each `Layout:` line names a page that exists, and a header that draws a layout
 * ("Layout (...)", "Layout:", "Layout with ...") names its page.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('layout-docs test: no pnpm-workspace.yaml above the test file');
    dir = up;
  }
  return dir;
}

const ROOT = findRoot();
const PAGES_DIR = join(ROOT, 'docs', 'layouts');
const rel = (p: string): string => relative(ROOT, p).split(sep).join('/');

function walk(dir: string, keep: (p: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, keep));
    else if (keep(p)) out.push(p);
  }
  return out;
}

const PACKAGES = readdirSync(join(ROOT, 'packages'))
  .filter((p) => existsSync(join(ROOT, 'packages', p, 'package.json')))
  .sort();

/** The leading doc comment of a source file ('' if it does not start with one). */
function header(text: string): string {
  const t = text.trimStart();
  if (!t.startsWith('/*')) return '';
  const end = t.indexOf('*/');
  return end < 0 ? '' : t.slice(0, end + 2);
}

interface Constant {
  readonly name: string;
  readonly expr: string;
  /** undefined when the expression uses something this test cannot evaluate. */
  readonly value: number | undefined;
  readonly line: number;
}

interface LayoutSource {
  /** Repository-relative path. */
  readonly file: string;
  readonly pkg: string;
  readonly text: string;
  readonly pages: readonly string[];
  readonly constants: readonly Constant[];
}

const UPPER_SNAKE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/** Evaluates a numeric expression made of literals, operators and names in `env`; undefined otherwise. */
function evaluate(expr: string, env: ReadonlyMap<string, number>): number | undefined {
  if (!/^[\w\s()+\-*/%<>|&~^.]+$/.test(expr)) return undefined;
  let unknown = false;
  const js = expr.replace(/\b[A-Za-z_$][\w$]*\b/g, (id) => {
    const v = env.get(id);
    if (v === undefined) unknown = true;
    return `(${v})`;
  });
  if (unknown) return undefined;
  const v = Function(`"use strict"; return (${js});`)() as unknown;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** `export const NAME = expr;` with an UPPER_SNAKE name and a numeric-looking expression, in file order. */
function exportedConstants(text: string): Constant[] {
  const out: Constant[] = [];
  const env = new Map<string, number>();
  const re = /^export const ([A-Za-z_$][\w$]*)\s*(?::[^=;]*)?=\s*([^;\n]+?)\s*;?\s*(?:\/\/.*)?$/gm;
  for (const m of text.matchAll(re)) {
    const [, name, raw] = m;
    if (!UPPER_SNAKE.test(name)) continue;
    const expr = raw.replace(/\s+as\s+const$/, '').trim();
    // Numbers and names joined by operators only: no strings, calls, property accesses, objects.
    if (!/^[\w\s()+\-*/%<>|&~^.]+$/.test(expr) || /[A-Za-z_$][\w$]*\s*[.(]/.test(expr)) continue;
    const value = evaluate(expr, env);
    if (value !== undefined) env.set(name, value);
    out.push({ name, expr, value, line: text.slice(0, m.index).split('\n').length });
  }
  return out;
}

const SOURCES: LayoutSource[] = [];
/** Source files whose header draws a layout but names no page. */
const UNNAMED_DRAWINGS: string[] = [];
for (const pkg of PACKAGES) {
  for (const path of walk(join(ROOT, 'packages', pkg, 'src'), (p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))) {
    const text = readFileSync(path, 'utf8');
    const h = header(text);
    const pages = [...h.matchAll(/\bLayout:\s*docs\/layouts\/([\w.-]+\.md)\b/g)].map((m) => m[1]);
    if (pages.length === 0) {
      if (/^\s*\*\s*Layout(?: \(|:| with\b)/m.test(h)) UNNAMED_DRAWINGS.push(rel(path));
      continue;
    }
    SOURCES.push({ file: rel(path), pkg, text, pages, constants: exportedConstants(text) });
  }
}

const PAGES = readdirSync(PAGES_DIR)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .sort();
const pageText = (page: string): string => readFileSync(join(PAGES_DIR, page), 'utf8');
const sourcesOf = (page: string): LayoutSource[] => SOURCES.filter((s) => s.pages.includes(page));

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const wordRe = (name: string, flags = 'g'): RegExp =>
  new RegExp(`(?<![\\w$])(?<![\\w$)\\]]\\.)${escape(name)}(?![\\w$])`, flags);

const UNITS: Record<string, number> = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
const TIME_UNITS: Record<string, number> = { s: 1000, ms: 1, µs: 1e-3, us: 1e-3 };

/**
 * The values a page states for `name`: right after an occurrence, `= v`, ` v`, ` (v`, or a table
 * cell `| v`, where v is a number, optionally `~`, `1 << n`, `2^n` (either with `- k` / `+ k`),
 * and a unit. Returns [statement as written, value] pairs.
 */
function statedValues(text: string, name: string): [string, number][] {
  const out: [string, number][] = [];
  const re = wordRe(name);
  // The separator after the name, the number, then an optional shift or power, offset and unit.
  const after = new RegExp(
    /^`?(?:\s*=\s*`?|\s*\|\s*| \(?|\s*\(\s*)(~?-?(?:0x[0-9a-fA-F_]+|\d[\d_]*(?:\.\d+)?))/.source +
      /(?:\s*<<\s*(\d+)|\^(\d+))?(?:\s*([-+])\s*(\d+)(?![\d.]))?(?:\s*(KiB|MiB|GiB|ms|µs|us|s)(?![\w]))?/.source,
  );
  for (const m of text.matchAll(re)) {
    const rest = text.slice(m.index + name.length, m.index + name.length + 60);
    const v = after.exec(rest);
    if (v === null) continue;
    const [whole, lit, shift, pow, sign, addend, unit] = v;
    // `NAME 3`-style statements only with one space: drawings align their columns with several.
    if (/^`?[ ]{2,}/.test(rest) && !/^`?\s*=/.test(rest)) continue;
    let n = Number(lit.replace(/_/g, '').replace(/^~/, ''));
    if (lit.startsWith('~')) n = ~n;
    if (shift !== undefined) n = n << Number(shift);
    if (pow !== undefined) n = n ** Number(pow);
    if (sign !== undefined && (shift !== undefined || pow !== undefined)) n += (sign === '-' ? -1 : 1) * Number(addend);
    if (unit !== undefined) {
      if (unit in UNITS) n *= UNITS[unit];
      else if (name.endsWith('_MS')) n *= TIME_UNITS[unit];
      else continue; // a time for a name that does not say its unit: not comparable
    } else if (name.endsWith('_MS') && /\(/.test(whole)) {
      continue; // "(4 ...": a _MS constant's value is only compared with a unit
    }
    out.push([`${name}${whole.trimEnd()}`, n]);
  }
  return out;
}

const close = (a: number, b: number): boolean => a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/** Paths a page mentions: backticked file names and anything that starts with packages/. */
function mentionedPaths(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/`([^`\n]+)`/g)) {
    const t = m[1].trim();
    if (/^[\w./{},-]+\.(?:ts|md|mjs|json)$/.test(t) || /^packages\//.test(t)) found.add(t);
  }
  for (const m of text.matchAll(/(?<![\w/])packages\/[\w./{},-]*[\w/}]/g)) found.add(m[0]);
  const out: string[] = [];
  for (const t of found) {
    const b = /^(.*)\{([^}]*)\}(.*)$/.exec(t);
    if (b === null) out.push(t);
    else for (const alt of b[2].split(',')) out.push(`${b[1]}${alt}${b[3]}`);
  }
  return out;
}

test('the check sees the layout sources and their constants', () => {
  // Guards against a broken pattern that would make every check below pass vacuously.
  assert.ok(SOURCES.length >= 20, `only ${SOURCES.length} source files name a docs/layouts page`);
  const all = SOURCES.flatMap((s) => s.constants);
  assert.ok(all.length >= 150, `only ${all.length} exported constants found in layout sources`);
  const layout = SOURCES.find((s) => s.file === 'packages/piscina/src/dispatch/layout.ts');
  assert.ok(layout, 'packages/piscina/src/dispatch/layout.ts names no docs/layouts page');
  assert.equal(layout.constants.find((c) => c.name === 'CHANNEL_BYTES')?.value, 256 + 12 * 1024 + 2 * (1 << 17));
  assert.deepEqual(
    statedValues('`PARKED` = 1 << 30, FOO 0x10 | BAR  7, MAX = 2^31 - 1, B (2 MiB), W_MS (20 µs)', 'PARKED'),
    [['PARKED` = 1 << 30', 1 << 30]],
  );
  assert.deepEqual(statedValues('FOO 0x10 | BAR  7', 'FOO'), [['FOO 0x10', 16]]);
  assert.ok(
    wordRe('MAX', '').test('1..MAX') && !wordRe('MAX', '').test('Lock.MAX') && !wordRe('MAX', '').test('A_MAX'),
  );
  assert.deepEqual(statedValues('FOO 0x10 | BAR  7', 'BAR'), []);
  assert.deepEqual(statedValues('MAX = 2^31 - 1', 'MAX'), [['MAX = 2^31 - 1', 2 ** 31 - 1]]);
  assert.deepEqual(statedValues('W_MS (20 µs) and W_MS (4 ms)', 'W_MS'), [
    ['W_MS (20 µs', 0.02],
    ['W_MS (4 ms', 4],
  ]);
});

test('every docs/layouts page is linked from docs/layouts/README.md', () => {
  const readme = readFileSync(join(PAGES_DIR, 'README.md'), 'utf8');
  const linked = new Set([...readme.matchAll(/\]\(([\w.-]+\.md)\)/g)].map((m) => m[1]));
  const missing = PAGES.filter((p) => !linked.has(p));
  assert.deepEqual(missing, [], `docs/layouts/README.md does not link: ${missing.join(', ')}`);
  const dangling = [...linked].filter((p) => !existsSync(join(PAGES_DIR, p)));
  assert.deepEqual(dangling, [], `docs/layouts/README.md links pages that do not exist: ${dangling.join(', ')}`);
});

test('every docs/layouts page is named by a source file, and every Layout: line names a page', () => {
  const unnamed = PAGES.filter((p) => sourcesOf(p).length === 0);
  assert.deepEqual(
    unnamed,
    [],
    `no source file's header says "Layout: docs/layouts/<page>" for: ${unnamed.join(', ')}`,
  );
  const wrong = SOURCES.flatMap((s) =>
    s.pages.filter((p) => !PAGES.includes(p)).map((p) => `${s.file} names docs/layouts/${p}, which does not exist`),
  );
  assert.deepEqual(wrong, []);
});

test('a source header that draws a layout names its page', () => {
  assert.deepEqual(
    UNNAMED_DRAWINGS.map((f) => `${f}: its header draws a layout; add "Layout: docs/layouts/<page>.md" to it`),
    [],
  );
});

for (const page of PAGES) {
  describe(`docs/layouts/${page}`, () => {
    const text = pageText(page);
    const sources = sourcesOf(page);

    test('names every exported constant of its sources, with their values', () => {
      const problems: string[] = [];
      for (const src of sources) {
        for (const c of src.constants) {
          const where = `${src.file}:${c.line} ${c.name} = ${c.expr}`;
          if (!wordRe(c.name, '').test(text)) {
            problems.push(`${where}: not in docs/layouts/${page} (document what it is, in the drawing or next to it)`);
            continue;
          }
          if (c.value === undefined) continue;
          for (const [stated, v] of statedValues(text, c.name)) {
            if (!close(v, c.value))
              problems.push(`${where} (= ${c.value}): docs/layouts/${page} says "${stated}" (= ${v})`);
          }
        }
      }
      if (problems.length > 0) assert.fail(`\n${problems.join('\n')}\n`);
    });

    test('mentions only source paths that exist', () => {
      const pkgs = [...new Set(sources.map((s) => s.pkg))];
      const files = pkgs.flatMap((p) => walk(join(ROOT, 'packages', p), () => true).map(rel));
      const problems: string[] = [];
      for (const p of mentionedPaths(text)) {
        let ok: boolean;
        if (/^(?:packages|docs|scripts|benchmarks)\//.test(p)) ok = existsSync(join(ROOT, p));
        else if (p.endsWith('.md') && !p.includes('/')) ok = existsSync(join(PAGES_DIR, p));
        else ok = files.some((f) => f.endsWith(`/${p}`));
        if (!ok)
          problems.push(
            `docs/layouts/${page} mentions \`${p}\`, which does not ` +
              `exist${p.startsWith('packages/') ? '' : ` in ${pkgs.map((k) => `packages/${k}`).join(', ')}`}`,
          );
      }
      if (problems.length > 0) assert.fail(`\n${problems.join('\n')}\n`);
    });

    test('cites no constant name its sources no longer have', () => {
      const corpus = sources.map((s) => s.text).join('\n');
      const cited = new Set(
        [...text.matchAll(/(?<![\w$])(?<![\w$)\]]\.)[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+(?![\w$])/g)].map((m) => m[0]),
      );
      // Error codes (ERR_SABKIT_*) are named in errors.ts, not in a layout's sources.
      const stale = [...cited].filter((n) => !n.startsWith('ERR_') && !wordRe(n, '').test(corpus));
      if (stale.length > 0) {
        const files = sources.map((s) => s.file).join(', ');
        assert.fail(
          `\n${stale.map((n) => `docs/layouts/${page} cites ${n}, which occurs in none of ${files}`).join('\n')}\n`,
        );
      }
    });
  });
}
