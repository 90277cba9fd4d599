/**
 * A small lexical scan of a function's source text, enough to find the uses that can never work
 * once the source is compiled again in a worker: `this`, `arguments` and `super` that belong to
 * the code around the function, and `import.meta` (which belongs to the defining module).
 *
 * Why a scan and not a parser: sabkit has no parser dependency, and these four words are
 * recognisable at the token level once strings, template text, comments and regular expression
 * literals are skipped. What the scan needs to know about structure is only which `{` opens a body
 * that binds its own `this` (a `function`, a method, a class body) and which opens an arrow body or
 * a plain block: `function` / method `(...)` followed by `{` binds, `=>` followed by `{` does not.
 *
 * Free variables (closures) are NOT decided here: that needs scope analysis of every binding form
 * (destructuring, hoisting, catch clauses...). The worker finds them instead, when the compiled
 * function throws a ReferenceError (see inline.ts).
 */

/** One use the scan rejects: the word and the character offset where it occurs. */
export interface ForbiddenUse {
  readonly word: 'this' | 'arguments' | 'super' | 'import.meta';
  readonly offset: number;
}

interface Token {
  readonly kind: 'id' | 'punct' | 'literal';
  readonly value: string;
  readonly offset: number;
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
// An identifier before `(` that is one of these is not a function or method name.
const NOT_A_NAME = new Set([
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
const ID_START = /[A-Za-z_$\u0080-\uffff#]/;
const ID_PART = /[\w$\u0080-\uffff]/;
const MULTI_PUNCT = ['...', '=>', '?.'];

/** Splits `src` into identifiers, punctuators and opaque literals. */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  // Each `{` pushes 'brace'; each `${` inside a template pushes 'template', so that the matching
  // `}` resumes the template text instead of closing a block.
  const braces: Array<'brace' | 'template'> = [];
  let i = 0;
  const n = src.length;

  const regexAllowed = (): boolean => {
    const prev = out[out.length - 1];
    if (!prev) return true;
    if (prev.kind === 'literal') return false;
    if (prev.kind === 'id') return REGEX_AFTER_WORDS.has(prev.value);
    return !(prev.value === ')' || prev.value === ']' || prev.value === '}');
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
        out.push({ kind: 'literal', value: '`', offset: start });
        return;
      }
      if (c === '$' && src[i + 1] === '{') {
        i += 2;
        braces.push('template');
        out.push({ kind: 'punct', value: '(', offset: start });
        return;
      }
      i++;
    }
  };

  while (i < n) {
    const c = src[i];
    if (
      c === ' ' ||
      c === '\t' ||
      c === '\n' ||
      c === '\r' ||
      c === '\f' ||
      c === '\v' ||
      c === '\u00a0' ||
      c === '\ufeff' ||
      c === '\u2028' ||
      c === '\u2029'
    ) {
      i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '/') {
      while (i < n && src[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i++;
      while (i < n && src[i] !== c) i += src[i] === '\\' ? 2 : 1;
      i++;
      out.push({ kind: 'literal', value: c, offset: start });
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
      i++;
      while (i < n && ID_PART.test(src[i])) i++;
      out.push({ kind: 'literal', value: '/', offset: start });
      continue;
    }
    if (ID_START.test(c)) {
      const start = i++;
      while (i < n && ID_PART.test(src[i])) i++;
      out.push({ kind: 'id', value: src.slice(start, i), offset: start });
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && src[i + 1] >= '0' && src[i + 1] <= '9')) {
      const start = i++;
      while (i < n && (ID_PART.test(src[i]) || src[i] === '.')) i++;
      out.push({ kind: 'literal', value: '0', offset: start });
      continue;
    }
    if (c === '{') {
      braces.push('brace');
      out.push({ kind: 'punct', value: '{', offset: i++ });
      continue;
    }
    if (c === '}') {
      const top = braces.pop();
      if (top === 'template') {
        out.push({ kind: 'punct', value: ')', offset: i++ });
        scanTemplate();
        continue;
      }
      out.push({ kind: 'punct', value: '}', offset: i++ });
      continue;
    }
    const multi = MULTI_PUNCT.find((p) => src.startsWith(p, i));
    if (multi) {
      out.push({ kind: 'punct', value: multi, offset: i });
      i += multi.length;
      continue;
    }
    out.push({ kind: 'punct', value: c, offset: i++ });
  }
  return out;
}

/**
 * Finds the uses of `this`, `arguments`, `super` and `import.meta` in `src` (a function's source)
 * that refer to the code around the function rather than to the function itself or to a function
 * or class nested in it. `outerBindsThis` is false for an arrow function.
 */
export function findForbiddenUses(src: string, outerBindsThis: boolean): ForbiddenUse[] {
  const tokens = tokenize(src);
  const found: ForbiddenUse[] = [];
  // Frames for every open `{`: 'fn' binds this (function or method body), 'class' is a class body
  // (field initialisers and methods bind this), 'block' is anything else.
  const frames: Array<'fn' | 'class' | 'block'> = [];
  // For every open `(`: whether it opens a function's or method's parameter list.
  const parens: boolean[] = [];
  let paramsJustClosed = false;
  let classPending = false;
  let bindingFrames = 0;

  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    const prev = tokens[k - 1];
    const afterDot = prev !== undefined && prev.kind === 'punct' && (prev.value === '.' || prev.value === '?.');
    const closedParams = paramsJustClosed;
    paramsJustClosed = false;
    if (t.kind === 'id') {
      if (afterDot) continue;
      if (t.value === 'class') classPending = true;
      // Frames that bind `this`, not counting the function being scanned itself.
      const own = bindingFrames - (outerBindsThis ? 1 : 0);
      if (t.value === 'this' && own <= 0) found.push({ word: 'this', offset: t.offset });
      else if (t.value === 'super' && own <= 0) found.push({ word: 'super', offset: t.offset });
      else if (t.value === 'arguments' && bindingFrames === 0) found.push({ word: 'arguments', offset: t.offset });
      else if (t.value === 'import' && tokens[k + 1]?.value === '.' && tokens[k + 2]?.value === 'meta') {
        found.push({ word: 'import.meta', offset: t.offset });
      }
      continue;
    }
    if (t.kind !== 'punct') continue;
    switch (t.value) {
      case '(': {
        // `function (`, `function name (`, `function* name (`, or `name (` (a method, or a call:
        // a call is never directly followed by `{`, so it is told apart at the `)`).
        let opensParams = false;
        if (prev?.kind === 'id' && !NOT_A_NAME.has(prev.value)) opensParams = true;
        else if (prev?.kind === 'punct' && prev.value === '*') opensParams = true;
        // [computed]() {}
        else if (prev?.kind === 'punct' && prev.value === ']') opensParams = true;
        // 'name'() {}
        else if (prev?.kind === 'literal' && (prev.value === '"' || prev.value === "'")) opensParams = true;
        parens.push(opensParams);
        break;
      }
      case ')':
        paramsJustClosed = parens.pop() === true;
        break;
      case '{': {
        let frame: 'fn' | 'class' | 'block' = 'block';
        if (classPending) {
          frame = 'class';
          classPending = false;
        } else if (closedParams) frame = 'fn';
        frames.push(frame);
        if (frame !== 'block') bindingFrames++;
        break;
      }
      case '}': {
        const f = frames.pop();
        if (f !== undefined && f !== 'block') bindingFrames--;
        break;
      }
    }
  }
  return found;
}
