/**
 * The tokenizer under the caller-side checks of inline functions (inline-scan.ts for `this` and
 * friends, inline-free.ts for closures). It only has to be right about what is code and what is
 * not: strings, template text, comments and regular expression literals become opaque tokens, so
 * that a word inside them is never taken for a name.
 *
 * It also reports when it may have got that wrong (`sure: false`): brackets that do not balance, a
 * literal that never ends, a `\` escape in a name, or a `/` whose meaning depends on structure it
 * does not model. The closure check then declines to decide, because one misread literal can hide
 * a declaration and make a valid function look like a closure.
 */

export interface Token {
  readonly kind: 'id' | 'punct' | 'literal';
  /** The name or punctuator; for a literal its first character (a quote, '`', '/' or '0'). */
  readonly value: string;
  readonly offset: number;
  /** A line break separates it from the previous token (what ASI, labels and class fields hinge on). */
  readonly nl: boolean;
  /** A string literal's raw content. */
  readonly text?: string;
}

export interface Tokens {
  readonly tokens: Token[];
  /** False when the split may be wrong somewhere (see the file comment). */
  readonly sure: boolean;
  /** Names declared as worker globals by a `/* global a, b *\/` comment, as ESLint spells it. */
  readonly declaredGlobals: string[];
}

// After these words a `/` starts a regular expression, not a division.
const REGEX_AFTER_WORDS = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);
// `(...)` after these is a condition, and a `/` after its `)` starts a regular expression.
const CONDITION_WORDS = new Set(['if', 'while', 'for', 'with']);
const ID_START = /[A-Za-z_$\u0080-\uffff#]/;
const ID_PART = /[\w$\u0080-\uffff]/;
// What the loose ID_START / ID_PART let through must really be a name, or the split is unsure.
const VALID_NAME = /^#?[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
const MULTI_PUNCT = ['...', '=>', '?.', '++', '--'];
const SPACE = /[\s\ufeff]/;

/** Splits `src` into identifiers, punctuators and opaque literals. */
export function tokenize(src: string): Tokens {
  const out: Token[] = [];
  const declaredGlobals: string[] = [];
  let sure = true;
  // Each `{` pushes 'brace'; each `${` inside a template pushes 'template', so that the matching
  // `}` resumes the template text instead of closing a block.
  const braces: Array<'brace' | 'template'> = [];
  // Open `(`: whether a condition keyword precedes it.
  const parens: boolean[] = [];
  let afterCondition = false;
  let nl = false;
  let i = 0;
  const n = src.length;
  const push = (kind: Token['kind'], value: string, offset: number, text?: string): void => {
    out.push(text === undefined ? { kind, value, offset, nl } : { kind, value, offset, nl, text });
    nl = false;
  };

  const regexAllowed = (): boolean => {
    const prev = out[out.length - 1];
    if (!prev) return true;
    if (prev.kind === 'literal') return false;
    if (prev.kind === 'id') return REGEX_AFTER_WORDS.has(prev.value);
    if (prev.value === ')') return afterCondition;
    // After a block a `/` starts a regular expression, after an object literal it divides: which
    // one this `}` closed is structure the tokenizer does not track.
    if (prev.value === '}') sure = false;
    return !(prev.value === ']' || prev.value === '}' || prev.value === '++' || prev.value === '--');
  };

  // Scans template text from i (just after "`" or a template's closing "}") to its end or to "${".
  const scanTemplate = (): void => {
    const start = i;
    while (i < n) {
      const c = src[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '`') {
        i++;
        push('literal', '`', start);
        return;
      }
      if (c === '$' && src[i + 1] === '{') {
        i += 2;
        braces.push('template');
        push('punct', '(', start);
        return;
      }
      i++;
    }
    sure = false;
  };

  while (i < n) {
    const c = src[i];
    if (SPACE.test(c)) {
      if (c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029') nl = true;
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) sure = false;
      const body = src.slice(i + 2, end < 0 ? n : end);
      const g = /^\s*globals?\s([\s\S]*)$/.exec(body);
      if (g) for (const part of g[1].split(',')) declaredGlobals.push(part.split(':')[0].trim());
      if (body.includes('\n')) nl = true;
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i++;
      while (i < n && src[i] !== c && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
      if (src[i] !== c) sure = false;
      i++;
      push('literal', c, start, src.slice(start + 1, i - 1));
      continue;
    }
    if (c === '`') {
      i++;
      scanTemplate();
      continue;
    }
    if (c === '/' && regexAllowed()) {
      const start = i++;
      let inClass = false;
      while (i < n) {
        const d = src[i];
        if (d === '\\') {
          i += 2;
          continue;
        }
        if (d === '[') inClass = true;
        else if (d === ']') inClass = false;
        else if (d === '/' && !inClass) break;
        else if (d === '\n') break;
        i++;
      }
      if (src[i] !== '/') sure = false;
      i++;
      while (i < n && ID_PART.test(src[i])) i++;
      push('literal', '/', start);
      continue;
    }
    if (ID_START.test(c)) {
      const start = i++;
      while (i < n && ID_PART.test(src[i])) i++;
      const name = src.slice(start, i);
      if (!VALID_NAME.test(name)) sure = false;
      push('id', name, start);
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && src[i + 1] >= '0' && src[i + 1] <= '9')) {
      const start = i++;
      while (i < n && (ID_PART.test(src[i]) || src[i] === '.')) i++;
      push('literal', '0', start);
      continue;
    }
    if (c === '{') {
      braces.push('brace');
      push('punct', '{', i++);
      continue;
    }
    if (c === '}') {
      const top = braces.pop();
      if (top === 'template') {
        push('punct', ')', i++);
        scanTemplate();
        continue;
      }
      if (top === undefined) sure = false;
      push('punct', '}', i++);
      continue;
    }
    if (c === '(') {
      const prev = out[out.length - 1];
      parens.push(prev?.kind === 'id' && CONDITION_WORDS.has(prev.value));
    } else if (c === ')') {
      if (parens.length === 0) sure = false;
      afterCondition = parens.pop() === true;
    }
    // A `\` outside literals is a unicode escape in a name, which the split does not decode.
    if (c === '\\' || c === '@') sure = false;
    // `a?.5:1` is a conditional, not optional chaining.
    const multi = MULTI_PUNCT.find((p) => src.startsWith(p, i) && !(p === '?.' && /\d/.test(src[i + 2] ?? '')));
    if (multi) {
      push('punct', multi, i);
      i += multi.length;
      continue;
    }
    push('punct', c, i++);
  }
  if (braces.length > 0 || parens.length > 0) sure = false;
  return { tokens: out, sure, declaredGlobals: declaredGlobals.filter((g) => g !== '') };
}

/**
 * Words that may stand before `(` without naming a function or method: `(...) {` after one is a
 * statement's head (`if (x) {`), not a parameter list. Shared by both scans of inline-scan.ts and
 * inline-free.ts.
 */
export const NOT_A_NAME = new Set([
  'if',
  'for',
  'while',
  'switch',
  'catch',
  'with',
  'return',
  'typeof',
  'void',
  'delete',
  'await',
  'yield',
  'new',
  'in',
  'of',
  'instanceof',
  'do',
  'else',
  'case',
  'throw',
  'super',
  'import',
  'this',
]);
