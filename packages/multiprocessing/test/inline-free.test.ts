// The caller-side closure check (src/tasks/inline-free.ts): a table of valid functions that must
// never be refused, a table of closures that must be refused with the name they close over, and
// seeded random compositions of both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileInline, taskSpec, type TaskSpec } from '../src/tasks/inline.js';
import { findFreeNames } from '../src/tasks/inline-free.js';
import { mulberry32 } from './prng.js';

const indirectEval = eval;
const fromSource = (src: string): unknown => indirectEval(`(${src}\n)`);

// Each compiles on its own and uses only its parameters, its locals and the worker's globals.
const VALID: string[] = [
  '(x) => x * 2',
  'async (x) => { await null; return x }',
  'async x => x',
  'function* gen(n) { for (let i = 0; i < n; i++) yield i; yield* [n] }',
  'async function* agen(n) { for await (const v of [n]) yield v }',
  'function fact(n) { return n <= 1 ? 1 : n * fact(n - 1) }',
  '(a, b = a * 2, c = b + a, ...rest) => a + b + c + rest.length',
  '({ a, b: { c = a, d: [e, , f = e] } = {}, ...g }, [h, [i] = [1], ...j] = []) => a + c + e + f + h + i + g + j',
  '(x) => { const { p, q: { r } = { r: p }, ...s } = x; let [t, u = t, ...v] = [p]; return [r, s, t, u, v] }',
  '(x) => { var a = 1, b = a + 1, { c } = { c: b }; return a + b + c }',
  '(x) => { for (const [k, v] of Object.entries(x)) console.log(k, v); for (const k in x) k; for (var i = 0, n = ' +
    '2; i < n; i++); return i }',
  '(x) => { function inner(y) { return y + helper() } function helper() { return x } return inner(1) }',
  '(x) => { const add = (a) => (b) => a + b + x; return add(1)(2) }',
  '(x) => { let count = 0; const inc = () => ++count; inc(); return count }',
  '(x) => { class A { #p = x; static s = 1; v = this.#p; static { this.s = 2 } get g() { return this.#p } set ' +
    'g(v) { this.#p = v } m(a) { return a + A.s } #priv() { return 1 } static k() { return new A() } } return new ' +
    'A().g }',
  '(x) => { class B extends Array { constructor(...a) { super(...a); this.z = 1 } } const C = class Named { ' +
    'who() { return Named } }; return new B(1).z + !!new C().who() }',
  '(x) => { outer: for (const a of x) { inner: for (const b of a) { if (b) continue outer; else break inner } } ' +
    'return 1 }',
  '(x) => { lbl: { break lbl } return 1 }',
  '(s) => /["\'`]/.test(s) && /\\/\\*x*\\//.test(s) && s.split(/[/"]/).length / 2 / 1',
  '(s) => { if (s) /re"gex/g.test(s); return s.replace(/\'/g, "\\"") }',
  '(x) => `a ${`nested ${x} ${`deep ${x + 1}`}`} b ${x.y} \\${notCode} $notCode {notCode}`',
  '(tag) => tag`t ${1} u`',
  '(a, b) => ({ a, b, [a + b]: 1, c: 2, "str": 3, 4: 5, m() { return a }, get g() { return b }, set g(v) {}, ' +
    'async am() {}, *gm() {}, ...{ a } })',
  '(o) => o?.a?.[o.b]?.(o.c) ?? o?.d',
  '() => globalThis.someName ?? globalThis["otherName"]',
  '(x) => Math.max(x, 1) + Number.MAX_SAFE_INTEGER',
  '(x) => { console.log(x); return JSON.stringify({ x }) }',
  '(a) => Atomics.add(a, 0, 1)',
  '(n) => new Int32Array(new SharedArrayBuffer(4 * n))',
  '(v) => structuredClone(v)',
  '(ms) => new Promise((resolve) => setTimeout(resolve, ms))',
  'async () => { const os = await import("node:os"); return os.cpus().length }',
  '(x) => { try { return JSON.parse(x) } catch (e) { return e.message } finally { x = null } }',
  '(x) => { try { throw 1 } catch { return 2 } }',
  '(x) => { try { return mayBeMissing } catch { return 0 } }',
  '(x) => typeof maybeGlobal === "undefined" ? 0 : maybeGlobal.value',
  '(x) => typeof(maybeGlobal2) !== "undefined" && maybeGlobal2',
  '(x) => ("setByInitializer" in globalThis ? setByInitializer : 0)',
  '(x) => { /* global conn, pool2 */ return conn.query(x) + pool2 }',
  '(x) => { switch (x) { case 1: { const y = 2; return y } default: return 0 } }',
  '(x) => { const o = { if(a) { return a }, delete(k) { return k }, class: 1, function: 2, new: 3 }; return o.if(1) }',
  '(x) => x.class + x.function + x.let + x.if',
  '(x) => { const m = new Map(); m.set(x, 1); return m.get(x) }',
  '(x) => x ? { y: 1 } : [2]',
  '(x) => { let y; ({ y } = { y: x }); [y] = [y]; return y }',
  '(x) => { return void 0, undefined, NaN, Infinity, null, true, false }',
  '(x) => { "use strict"; return (...args) => args }',
  'function withArgs() { return arguments.length + new.target }',
  '(x) => { const re = x / 2 / 3; const y = (x) / 2; return [re, y, x++ / 2, x-- / 3] }',
  '(x) => process.pid + Buffer.byteLength("a") + performance.now() + queueMicrotask.length',
  '(x) => { const crypto = 1; return crypto }',
  '(x) => { class K { static [Symbol.hasInstance](v) { return v } ["computed" + x]() {} } return K }',
  '(x) => { class F { a = 1\n b = 2\n static c\n d } return new F() }',
  '(x) => x.map(function (y, i) { return this ? y + i : y }, {})',
  '(x) => { const fn = function named(z) { return z ? named(z - 1) : 0 }; return fn(3) }',
  '(x) => { async function af() { for await (const c of []) c; } return af }',
  "(x) => { const s = 'it\\'s /* not a comment */ // nor this'; return s }",
  '(x) => { // a comment with closureName\n /* and closureName */ return x }',
  '(a) => { const weird = a < 1 ? a : a > 2 ? -a : +a; return weird }',
  '(x) => x.then(v => v, e => e)',
];

// [source, the name that must be reported]
const CLOSURES: Array<[string, string]> = [
  ['(x) => x * factor', 'factor'],
  ['(x) => helper(x)', 'helper'],
  ['(x) => { total = x }', 'total'],
  ['(x) => ({ shorthand })', 'shorthand'],
  ['(x) => ({ [computedKey]: x })', 'computedKey'],
  ['(x) => `${inTemplate}`', 'inTemplate'],
  ['(x) => `${`${deepTemplate}`}`', 'deepTemplate'],
  ['(x) => x?.[optKey]', 'optKey'],
  ['(x) => new OuterClass(x)', 'OuterClass'],
  ['(x) => { class A extends OuterBase {} return A }', 'OuterBase'],
  ['(x) => { class A { f = fieldInit } return A }', 'fieldInit'],
  ['(x) => { switch (x) { case caseValue: return 1 } }', 'caseValue'],
  ['(x) => x ? thenBranch : 0', 'thenBranch'],
  ['(x = defaultOuter) => x', 'defaultOuter'],
  ['(x) => { const { a = destructDefault } = x; return a }', 'destructDefault'],
  ['(x) => { for (const k of iterOuter) x += k; return x }', 'iterOuter'],
  ['(x) => { if (x) /re/.test(x); return afterRegex }', 'afterRegex'],
  ['(s) => s.split(/x/).map((p) => p + sep)', 'sep'],
  ['(x) => require("node:os")', 'require'],
  ['(x) => module.exports', 'module'],
  ['(x) => exports', 'exports'],
  ['(x) => __dirname + x', '__dirname'],
  ['(x) => __filename', '__filename'],
  ['async (x) => await fetchIt(x)', 'fetchIt'],
  ['function f(x) { return g(x) }', 'g'],
  ['function* gen() { yield genOuter }', 'genOuter'],
  ['(x) => { lbl: for (;;) { break lbl } return afterLabel }', 'afterLabel'],
  ['(x) => tagFn`t`', 'tagFn'],
  ['(x) => [...spreadOuter]', 'spreadOuter'],
  ['(x) => { try { x() } catch (e) { return caught } }', 'caught'],
  ['(x) => x.map((y) => y * inNested)', 'inNested'],
  ['(x) => { function inner() { return deepOuter } return inner() }', 'deepOuter'],
];

function refusedName(src: string): string | undefined {
  try {
    taskSpec(fromSource(src));
    return undefined;
  } catch (e) {
    const err = e as Error;
    assert.equal(err.name, 'InlineFunctionError', src);
    assert.match(err.message, /is a closure: it refers to `/, src);
    assert.match(err.message, /as an argument, import it inside the function .*\{ filename, name \}/, src);
    return /refers to `([^`]+)`/.exec(err.message)?.[1];
  }
}

test(`${VALID.length} valid inline functions are accepted and compile on their own`, () => {
  for (const src of VALID) {
    const spec = taskSpec(fromSource(src)) as Extract<TaskSpec, { kind: 'inline' }>;
    assert.equal(spec.kind, 'inline', src);
    assert.equal(typeof compileInline(spec), 'function', src);
  }
});

test(`${CLOSURES.length} closures are refused before dispatch, naming the variable`, () => {
  for (const [src, name] of CLOSURES) assert.equal(refusedName(src), name, src);
});

test('compiled TypeScript functions: valid ones pass, closures are refused', () => {
  const limit = 3;
  assert.doesNotThrow(() =>
    taskSpec(async (items: number[], { scale = 2, ...rest }: { scale?: number; k?: number } = {}) => {
      const out: number[] = [];
      for (const [i, v] of items.entries()) out.push(v * scale + i + Object.keys(rest).length);
      return out;
    }),
  );
  assert.throws(() => taskSpec((x: number) => Math.min(x, limit)), {
    name: 'InlineFunctionError',
    message: /refers to `limit` \(line 1 of its source/,
  });
});

test('where the analysis is not certain it declines, and nothing is refused', () => {
  for (const src of [
    '(x) => eval("x") + closureA',
    '(x) => { if (x) {} /re/.test(closureB) }',
    '(x) => \\u0061 + closureC',
    '(x) => x + "unterminated',
  ]) {
    const free = findFreeNames(src);
    assert.deepEqual(free, { sure: false, names: [] }, src);
  }
  // Scope-insensitive: a name declared anywhere in the function is never free.
  assert.deepEqual(findFreeNames('(x) => { { let y = 1 } return y }').names, []);
  assert.deepEqual(
    findFreeNames('(x) => a + b + a').names.map((f) => f.name),
    ['a', 'b'],
  );
});

// Statement templates: `@@` is an expression slot, filled with a local (valid) or with the closed
// over name (refused). Every slot is an unguarded read, so the name must be reported.
const STATEMENTS = [
  'acc += @@;',
  'const [d1, { d2 } = {}] = [@@, { d2: 1 }]; acc += d1 + d2;',
  'if (acc > 2) { acc -= @@ } else { acc = acc / 2 / (@@ || 1) }',
  'for (const v of [@@, 1]) { acc += v }',
  'acc += [1, 2].map((z) => z * @@).length;',
  'acc += `${acc} ${@@}`.length;',
  'acc += ({ k: @@, [String(@@)]: 1 }).k ? 1 : 0;',
  'acc += /[/"]/.test(String(@@)) ? 1 : 0;',
  'label1: for (let j = 0; j < 2; j++) { if (j) continue label1; acc += @@ }',
  'acc += (function named(q = @@) { return q })();',
  'acc += new (class { f = @@; m() { return this.f } })().m();',
  'switch (acc) { case @@: acc++; break; default: acc-- }',
  'acc += acc ? @@ : 0;',
];

test('seeded random compositions: valid ones pass, one injected closure is refused by name', () => {
  const random = mulberry32(20250611);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  for (let round = 0; round < 200; round++) {
    const parts = Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(STATEMENTS));
    const local = pick(['x', 'acc', '1', 'Math.PI', 'x.length']);
    const head = pick(['(x) => {', 'function task(x) {', 'async (x) => {', 'function* g(x) {']);
    const body = (fill: (i: number) => string) =>
      `${head}\n let acc = 0;\n` +
      `${parts.map((p, i) => `{ ${p.replaceAll('@@', () => fill(i))} }`).join('\n')}\n return acc }`;
    const valid = body(() => local);
    assert.equal(refusedName(valid), undefined, valid);
    const name = `outer${round}`;
    const at = Math.floor(random() * parts.length);
    const closure = body((i) => (i === at ? name : local));
    assert.equal(refusedName(closure), name, closure);
  }
});
