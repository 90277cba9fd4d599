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
 * Free variables (closures) are found by inline-free.ts, on the same tokens (inline-tokens.ts).
 */

import { NOT_A_NAME, tokenize } from './inline-tokens.js';

/** One use the scan rejects: the word and the character offset where it occurs. */
export interface ForbiddenUse {
  readonly word: 'this' | 'arguments' | 'super' | 'import.meta';
  readonly offset: number;
}

/**
 * Finds the uses of `this`, `arguments`, `super` and `import.meta` in `src` (a function's source)
 * that refer to the code around the function rather than to the function itself or to a function
 * or class nested in it. `outerBindsThis` is false for an arrow function.
 */
export function findForbiddenUses(src: string, outerBindsThis: boolean): ForbiddenUse[] {
  const { tokens } = tokenize(src);
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
