// A few lines of harness for the repository-wide checks run by the root test command
// (run-examples.mjs --all, check-doc-snippets.mjs, api-docs.mjs, check-packages.mjs): each check
// is a named function that throws on failure; the results go to the root's .test-results/<name>.json,
// which scripts/test-summary.mjs adds up with the packages' test results.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');

export class Checks {
  #name;
  #pass = 0;
  #fail = 0;
  constructor(name) {
    this.#name = name;
  }

  /** Runs one check; a throw is a failure, reported with its message, and the run goes on. */
  async check(title, fn) {
    const t0 = performance.now();
    try {
      await fn();
      this.#pass++;
      console.log(`  ok   ${title} (${Math.round(performance.now() - t0)} ms)`);
    } catch (e) {
      this.#fail++;
      console.log(`  FAIL ${title}\n${String(e?.stack ?? e).replace(/^/gm, '       ')}`);
    }
  }

  /** Writes the result file and exits: 1 if any check failed or none ran. */
  finish() {
    const dir = join(ROOT, '.test-results');
    mkdirSync(dir, { recursive: true });
    const res = {
      pkg: `checks: ${this.#name}`,
      runtime: `node ${process.version}`,
      pass: this.#pass,
      fail: this.#fail,
    };
    writeFileSync(join(dir, `${this.#name}.json`), JSON.stringify({ ...res, skipped: 0 }));
    console.log(`${this.#name}: ${this.#pass} passed, ${this.#fail} failed`);
    process.exit(this.#fail > 0 || this.#pass === 0 ? 1 : 0);
  }
}

/** Throws `message` unless `ok`. */
export function ensure(ok, message) {
  if (!ok) throw new Error(typeof message === 'function' ? message() : message);
}

/** The packages under packages/ that are published (not `private`), as { dir, name, manifest }. */
export async function publishedPackages() {
  const { readdirSync, readFileSync, existsSync } = await import('node:fs');
  const base = join(ROOT, 'packages');
  return readdirSync(base)
    .filter((d) => existsSync(join(base, d, 'package.json')))
    .map((d) => ({
      dir: join(base, d),
      short: d,
      manifest: JSON.parse(readFileSync(join(base, d, 'package.json'), 'utf8')),
    }))
    .filter((p) => !p.manifest.private)
    .map((p) => ({ ...p, name: p.manifest.name }));
}
