// Markdown links and headings, enough to check that a document's links resolve: inline links and
// images `[t](url "title")`, reference definitions `[id]: url`, and HTML `href="…"` / `src="…"`,
// outside fenced code blocks and inline code. Headings give GitHub's anchors (lower case, spaces
// to '-', punctuation dropped, repeats numbered).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
export const REPO_URL = 'https://github.com/sabkit/sabkit';
/** The one form of a link into this repository from a document shipped outside it. */
export const REPO_BLOB = `${REPO_URL}/blob/main/`;
const FENCE = /^\s*(```|~~~)/;

/** Lines of `text` outside fenced code blocks, with inline code blanked, as [lineNumber, line]. */
function proseLines(text) {
  const out = [];
  let fenced = false;
  text.split('\n').forEach((line, i) => {
    if (FENCE.test(line)) {
      fenced = !fenced;
      return;
    }
    if (!fenced) out.push([i + 1, line.replace(/`[^`]*`/g, (m) => ' '.repeat(m.length))]);
  });
  return out;
}

/** Every link target in `text`: [{ line, url }]. */
export function markdownLinks(text) {
  const links = [];
  for (const [line, l] of proseLines(text)) {
    for (const m of l.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) links.push({ line, url: m[1] });
    const def = l.match(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/);
    if (def) links.push({ line, url: def[1] });
    for (const m of l.matchAll(/\b(?:href|src)="([^"]+)"/g)) links.push({ line, url: m[1] });
  }
  return links;
}

/** GitHub's anchors for the headings of `text`. */
export function headingAnchors(text) {
  const seen = new Map();
  const out = new Set();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (FENCE.test(line)) fenced = !fenced;
    const m = !fenced && line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/);
    if (!m) continue;
    const base = m[1]
      .replace(/<[^>]+>/g, '')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]);
  return out;
}

/**
 * The problems of one markdown file's links. `exists(relativePath)` gives the file a relative link
 * reaches (or undefined), `readDoc(file)` its text. Links into this repository by URL must name a
 * file that exists here; other absolute URLs are not fetched.
 */
export function linkProblems(text, where, exists, readDoc) {
  const problems = [];
  const here = headingAnchors(text);
  for (const { line, url } of markdownLinks(text)) {
    const at = `${where}:${line}: ${url}`;
    if (/^(mailto:|data:)/.test(url)) continue;
    const [path, anchor] = url.split('#');
    if (url.startsWith('#')) {
      if (!here.has(anchor)) problems.push(`${at}: no heading with that anchor`);
      continue;
    }
    if (/^https?:\/\//.test(url)) {
      const m = url.match(/^https:\/\/github\.com\/sabkit\/sabkit\/(?:blob|tree)\/main\/([^#?]+)/);
      if (!m) {
        if (url.startsWith(REPO_URL) && !/^https:\/\/github\.com\/sabkit\/sabkit\/?(issues|#|$)/.test(url))
          problems.push(`${at}: links into this repository are ${REPO_BLOB}<path>`);
        continue;
      }
      const target = join(ROOT, decodeURIComponent(m[1]));
      if (!existsSync(target)) problems.push(`${at}: no such file in the repository`);
      else if (anchor && target.endsWith('.md') && !headingAnchors(readFileSync(target, 'utf8')).has(anchor))
        problems.push(`${at}: no heading with that anchor`);
      continue;
    }
    if (/^[a-z]+:/i.test(url)) {
      problems.push(`${at}: unexpected scheme`);
      continue;
    }
    const resolved = exists(decodeURIComponent(path));
    if (!resolved) problems.push(`${at}: not in the published package (make it ${REPO_BLOB}…)`);
    else if (anchor && path.endsWith('.md') && !headingAnchors(readDoc(resolved)).has(anchor))
      problems.push(`${at}: no heading with that anchor`);
  }
  return problems;
}
