/**
 * Free names of an inline function's source: the names it reads or writes that it does not declare.
 * The caller refuses a function whose free names are not worker globals (inline.ts), as Python
 * refuses to pickle a closure, before anything runs.
 *
 * Refusing a valid function would be worse than missing a closure (the worker still turns a
 * closure's ReferenceError into the same explanation), so every doubt resolves towards "not free":
 *  - declarations are collected by name for the whole source, ignoring scopes: a name declared
 *    anywhere in the function (parameter, var/let/const, function, class, catch, destructuring) is
 *    never free, even where that declaration is out of scope;
 *  - a token the rules below cannot place is counted as a declaration or a property, never a use;
 *  - the whole analysis declines (`sure: false`, nothing refused) when the tokens may be wrong
 *    (inline-tokens.ts), when brackets do not match, or when `eval` or `with` appear;
 *  - a name is not reported when the function guards it: `typeof x`, `globalThis.x`,
 *    `'x' in ...`, a `/* global x *\/` comment, or a use inside a `try` block (the function expects
 *    it may be missing).
 */
import { NOT_A_NAME, tokenize, type Token } from './inline-tokens.js';

export interface FreeName {
  readonly name: string;
  /** Offset of its first use that is not guarded. */
  readonly offset: number;
}

export interface FreeNames {
  /** False when the analysis declines to decide: then `names` is empty and nothing is refused. */
  readonly sure: boolean;
  readonly names: FreeName[];
}

const DECLINED: FreeNames = { sure: false, names: [] };

// Never a variable reference in strict code, or (contextual words) not worth the risk of reading one.
const NOT_A_VARIABLE = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while ' +
    'yield let static implements interface package private protected public await async get set of arguments ' +
    'accessor from as'
  ).split(' '),
);
// Words before `x :` that make `x` an operand (a `case` value, a conditional's branch), not a label.
const OPERATOR_WORDS = new Set(['case', 'typeof', 'void', 'delete', 'await', 'yield', 'new', 'in', 'instanceof']);
// A `{` after these words opens an object literal (or a pattern); after other words, a block.
const EXPRESSION_BEFORE = new Set([...OPERATOR_WORDS, 'return', 'throw', 'of', 'extends', 'var', 'let', 'const']);
const CLASS_MEMBER_AFTER = new Set(['{', ';', '}', '*', 'static', 'get', 'set', 'async', 'accessor']);

type Role = 'decl' | 'name';
interface Open {
  readonly at: number;
  readonly kind: 'object' | 'block' | 'class' | 'paren' | 'bracket';
  readonly guarded: boolean;
}

/** The free names of a function's source text, or a refusal to decide (see the file comment). */
export function findFreeNames(src: string): FreeNames {
  const { tokens, sure, declaredGlobals } = tokenize(src);
  if (!sure) return DECLINED;
  const close = matchBrackets(tokens);
  if (!close) return DECLINED;
  const n = tokens.length;
  const role: Array<Role | undefined> = new Array(n);
  const declared = new Set<string>();
  const guarded = new Set<string>(declaredGlobals);
  const uses: Array<{ name: string; offset: number; inTry: boolean }> = [];
  const stack: Open[] = [];
  const pendingClass: number[] = [];
  const is = (k: number, value: string): boolean => tokens[k]?.value === value && tokens[k].kind !== 'literal';
  const declare = (k: number): void => {
    role[k] = 'decl';
    declared.add(tokens[k].value);
  };
  // Declares every name in [from, to): the fallback when a pattern is not understood.
  const declareAll = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (tokens[k].kind === 'id' && !is(k - 1, '.')) declare(k);
  };
  // Index of the next `,` `;` or closer at this depth: where an initialiser or a default ends.
  const skipExpression = (k: number): number => {
    while (k < n) {
      const t = tokens[k];
      if (t.kind === 'punct') {
        if (close[k] > k) {
          k = close[k] + 1;
          continue;
        }
        if (t.value === ',' || t.value === ';' || t.value === ')' || t.value === ']' || t.value === '}') return k;
      }
      k++;
    }
    return k;
  };
  // A binding pattern from k, with an optional `= default`; returns where it ends, or -1.
  const bindingElement = (k: number): number => {
    const end = binding(k);
    return end >= 0 && is(end, '=') ? skipExpression(end + 1) : end;
  };
  const binding = (k: number): number => {
    const t = tokens[k];
    if (t === undefined) return -1;
    if (t.kind === 'id') {
      declare(k);
      return k + 1;
    }
    if (t.kind !== 'punct' || (t.value !== '[' && t.value !== '{')) return -1;
    const end = close[k];
    let j = k + 1;
    while (j < end) {
      const startedAt = j;
      if (is(j, ',')) j++;
      else if (is(j, '...')) j = binding(j + 1);
      else if (t.value === '[') j = bindingElement(j);
      else if (tokens[j].kind !== 'punct' && is(j + 1, ':')) {
        if (tokens[j].kind === 'id') role[j] = 'name';
        j = bindingElement(j + 2);
      } else if (is(j, '[') && is(close[j] + 1, ':')) j = bindingElement(close[j] + 2);
      else if (tokens[j].kind === 'id') {
        declare(j);
        j = is(j + 1, '=') ? skipExpression(j + 2) : j + 1;
      } else j = -1;
      if (j < 0 || j <= startedAt || j > end) {
        declareAll(k + 1, end);
        return end + 1;
      }
    }
    return end + 1;
  };
  const declarators = (k: number): void => {
    for (;;) {
      const end = bindingElement(k);
      if (end < 0 || !is(end, ',')) return;
      k = end + 1;
    }
  };
  const parameters = (open: number): void => {
    const end = close[open];
    let k = open + 1;
    while (k < end) {
      const startedAt = k;
      if (is(k, ',')) k++;
      else k = bindingElement(is(k, '...') ? k + 1 : k);
      if (k < 0 || k <= startedAt || k > end) {
        declareAll(open + 1, end);
        return;
      }
    }
  };
  // A `(` opens a parameter list when `=>` or a body follows it, or `function` precedes it.
  const opensParameters = (k: number): boolean => {
    if (is(close[k] + 1, '=>')) return true;
    const prev = tokens[k - 1];
    const before = k >= 2 && is(k - 2, '*') ? k - 3 : k - 2;
    if (is(k - 1, 'function') || (is(k - 1, '*') && is(k - 2, 'function'))) return true;
    if (prev?.kind === 'id' && (is(before, 'function') || is(k - 1, 'catch'))) return true;
    if (!is(close[k] + 1, '{')) return false;
    const top = stack[stack.length - 1];
    if (top === undefined || top.kind === 'object' || top.kind === 'class') return true;
    return prev?.kind === 'id' && !NOT_A_NAME.has(prev.value);
  };
  const braceKind = (k: number): Open['kind'] => {
    if (pendingClass[pendingClass.length - 1] === stack.length) {
      pendingClass.pop();
      return 'class';
    }
    const prev = tokens[k - 1];
    if (prev === undefined || prev.kind === 'literal') return 'block';
    if (prev.kind === 'id') return EXPRESSION_BEFORE.has(prev.value) ? 'object' : 'block';
    if (prev.value === ':')
      return role[k - 2] === 'name' && stack[stack.length - 1]?.kind !== 'object' ? 'block' : 'object';
    return [')', '=>', '{', '}', ';'].includes(prev.value) ? 'block' : 'object';
  };

  for (let k = 0; k < n; k++) {
    const t = tokens[k];
    const top = stack[stack.length - 1];
    if (t.kind === 'punct') {
      if (t.value === '{') {
        const kind = braceKind(k);
        const inTry = is(k - 1, 'try') || (top?.guarded ?? false);
        stack.push({ at: k, kind, guarded: inTry });
      } else if (t.value === '(' || t.value === '[') {
        if (t.value === '(' && opensParameters(k)) parameters(k);
        stack.push({ at: k, kind: t.value === '(' ? 'paren' : 'bracket', guarded: top?.guarded ?? false });
      } else if (t.value === ')' || t.value === ']' || t.value === '}') stack.pop();
      continue;
    }
    if (t.kind === 'literal') {
      if (t.text !== undefined && is(k + 1, 'in')) guarded.add(t.text);
      continue;
    }
    if (role[k] !== undefined) continue;
    const prev = tokens[k - 1];
    const name = t.value;
    if (is(k - 1, '.') || is(k - 1, '?.')) {
      if (is(k - 2, 'globalThis') || is(k - 2, 'global')) guarded.add(name);
      continue;
    }
    if (name.startsWith('#')) continue;
    if (is(k + 1, ':') && !(prev?.kind === 'punct' && !'{,;}):'.includes(prev.value))) {
      if (!(prev?.kind === 'id' && OPERATOR_WORDS.has(prev.value))) {
        role[k] = 'name';
        continue;
      }
    }
    if ((is(k - 1, 'break') || is(k - 1, 'continue')) && !t.nl) continue;
    const methodLike = is(k + 1, '(') && is(close[k + 1] + 1, '{');
    if (methodLike && (!NOT_A_VARIABLE.has(name) || top === undefined || top.kind === 'object' || top.kind === 'class'))
      continue;
    if (top?.kind === 'class' && (t.nl || (prev !== undefined && CLASS_MEMBER_AFTER.has(prev.value)))) continue;
    if (name === 'eval' || name === 'with') return DECLINED;
    if (name === 'var' || name === 'let' || name === 'const') declarators(k + 1);
    else if (name === 'function') {
      const at = is(k + 1, '*') ? k + 2 : k + 1;
      if (tokens[at]?.kind === 'id' && is(at + 1, '(')) declare(at);
    } else if (name === 'class') {
      if (tokens[k + 1]?.kind === 'id' && !is(k + 1, 'extends')) declare(k + 1);
      pendingClass.push(stack.length);
    } else if (name === 'typeof') {
      const at = is(k + 1, '(') && is(k + 3, ')') ? k + 2 : k + 1;
      const after = tokens[at + 1];
      const member = after && after.kind !== 'id' && ['.', '?.', '[', '(', '`'].includes(after.value);
      if (tokens[at]?.kind === 'id' && !member) guarded.add(tokens[at].value);
    }
    if (NOT_A_VARIABLE.has(name)) continue;
    if (is(k + 1, '=>')) {
      declare(k);
      continue;
    }
    uses.push({ name, offset: t.offset, inTry: top?.guarded ?? false });
  }

  const names: FreeName[] = [];
  const seen = new Set<string>();
  for (const u of uses) {
    if (u.inTry || declared.has(u.name) || guarded.has(u.name) || seen.has(u.name)) continue;
    seen.add(u.name);
    names.push({ name: u.name, offset: u.offset });
  }
  return { sure: true, names };
}

/** For each bracket token, the index of its partner; null when they do not pair up. */
function matchBrackets(tokens: Token[]): Int32Array | null {
  const close = new Int32Array(tokens.length).fill(-1);
  const open: number[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== 'punct') continue;
    if (t.value === '(' || t.value === '[' || t.value === '{') open.push(k);
    else if (t.value in pairs) {
      const o = open.pop();
      if (o === undefined || tokens[o].value !== pairs[t.value]) return null;
      close[o] = k;
      close[k] = o;
    }
  }
  return open.length === 0 ? close : null;
}
