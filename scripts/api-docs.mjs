#!/usr/bin/env node
// The API reference: typedoc over every published package under packages/ (generic: a new
// package is picked up from its package.json), written to docs/api/ (`npx -y pnpm@12.4.2 run
// docs:api`). Each entry of a package's `exports` is documented from its source (./dist/x.d.ts ->
// src/x.ts), except `internal`, the seam between sabkit's own packages, which is unstable by
// design and not for users. Each package is converted on its own (its tsconfig), to JSON, then the
// JSON is merged into one site, as typedoc's `packages` mode does.
//
// Warnings are errors. Validation: links in doc comments must resolve, and every export of an
// entry (class, function, interface, type, constant) must have a doc comment. Not checked:
// `notExported` (a public signature naming a helper type the package does not export, such as
// typed-struct's type-level machinery): those types are internal on purpose, and typedoc shows
// their names.
//
//   --check   generate into a temporary directory and remove it (CI: scripts/release-checks.mjs),
//             recording the result for scripts/test-summary.mjs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Checks, ROOT, ensure, publishedPackages } from './check-harness.mjs';

const check = process.argv.includes('--check');
const typedoc = join(ROOT, 'packages', 'api-docs', 'node_modules', '.bin', 'typedoc');
const work = mkdtempSync(join(tmpdir(), 'sabkit-typedoc-'));
const out = check ? join(work, 'html') : join(ROOT, 'docs', 'api', 'html');
const checks = new Checks('api-docs');

const VALIDATION = { notExported: false, invalidLink: true, rewrittenLink: true, notDocumented: true };
// typedoc's own check, for every kind an entry exports except functions: naming 'Function' there
// also requires every class method's signature (typedoc checks a signature by the Function kind),
// so exported functions are checked in the JSON below (undocumentedFunctions).
const REQUIRED = ['Class', 'Interface', 'TypeAlias', 'Variable', 'Enum', 'Namespace'];
const KIND_FUNCTION = 64; // typedoc's ReflectionKind.Function

/** The exported functions (of an entry or a namespace in it) with no doc comment, in typedoc's JSON. */
function undocumentedFunctions(node, path = []) {
  const out = [];
  for (const c of node.children ?? []) {
    const name = [...path, c.name].join('.');
    if (c.kind === KIND_FUNCTION && !c.comment && !(c.signatures ?? []).some((s) => s.comment)) out.push(name);
    if (c.children && c.kind !== 128 /* Class */ && c.kind !== 256 /* Interface */)
      out.push(...undocumentedFunctions(c, [...path, c.name]));
  }
  return out;
}

/** The source files of a package's documented entries, from its `exports` map. */
function entries(pkg) {
  const exp = pkg.manifest.exports ?? { '.': { types: pkg.manifest.types } };
  return (
    Object.entries(exp)
      .filter(([k]) => !k.endsWith('.json') && !/(^|\/)internal$/.test(k))
      // An entry without types (piscina's `./esbuild`, a bundler plugin in plain JavaScript) has no
      // TypeScript API to document; its README section documents it.
      .filter(([, v]) => typeof v === 'string' || v.types !== undefined)
      .map(([k, v]) => {
        const types = typeof v === 'string' ? v : v.types;
        const src = types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts');
        ensure(existsSync(join(pkg.dir, src)), `${pkg.name}: exports['${k}'] -> ${src}, which does not exist`);
        return join(pkg.dir, src);
      })
  );
}

/** Runs typedoc with `options`; resolves with its warnings and errors (none expected), or throws. */
async function run(label, options) {
  const file = join(work, `${label.replace(/\W+/g, '_')}.json`);
  writeFileSync(file, JSON.stringify(options, null, 2));
  const child = spawn(typedoc, ['--options', file], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  const status = await new Promise((resolve) => child.on('close', resolve));
  text = text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), ''); // colours, if any
  const warnings = text.split('\n').filter((l) => /\[(warning|error)\]/.test(l));
  ensure(
    status === 0 && warnings.length === 0,
    () => `typedoc (${label}): exit ${status}\n${warnings.join('\n') || text}`,
  );
}

const packages = await publishedPackages();
// The packages are converted two at a time (two cores here); each is one check.
const jsons = [];
const convert = async (pkg) => {
  const json = join(work, `${pkg.short}.json`);
  await run(pkg.name, {
    entryPoints: entries(pkg),
    tsconfig: join(pkg.dir, 'tsconfig.json'),
    name: pkg.name,
    readme: join(pkg.dir, 'README.md'),
    json,
    emit: 'docs',
    excludePrivate: true,
    excludeInternal: true,
    treatWarningsAsErrors: true,
    validation: VALIDATION,
    requiredToBeDocumented: REQUIRED,
    logLevel: 'Warn',
  });
  const missing = undocumentedFunctions(JSON.parse(readFileSync(json, 'utf8')));
  ensure(missing.length === 0, () => `${pkg.name}: exported functions without a doc comment: ${missing.join(', ')}`);
  jsons.push(json);
};
const queue = [...packages];
const outcomes = new Map();
await Promise.all(
  [0, 1].map(async () => {
    for (let pkg = queue.shift(); pkg; pkg = queue.shift()) {
      outcomes.set(
        pkg,
        await convert(pkg).then(
          () => undefined,
          (e) => e,
        ),
      );
    }
  }),
);
for (const pkg of packages) {
  await checks.check(`${pkg.name}: every export documented, typedoc without a warning`, () => {
    const e = outcomes.get(pkg);
    if (e) throw e;
  });
}
await checks.check('docs/api: the packages merged into one site', async () => {
  ensure(jsons.length === packages.length, 'a package failed above');
  mkdirSync(out, { recursive: true });
  await run('merge', {
    entryPointStrategy: 'merge',
    entryPoints: jsons,
    name: 'sabkit',
    readme: join(ROOT, 'docs', 'api', 'README.md'),
    out,
    treatWarningsAsErrors: true,
    validation: VALIDATION,
    logLevel: 'Warn',
  });
  ensure(existsSync(join(out, 'index.html')), `no ${join(out, 'index.html')}`);
});
rmSync(work, { recursive: true, force: true });
if (!check) console.log(`API reference: ${join(out, 'index.html')}`);
checks.finish();
