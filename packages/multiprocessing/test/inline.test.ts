// Inline task functions: what is accepted, what is refused on the caller's side and why, and how a
// closure is caught in the worker. Also AsyncResult, which needs no worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import { compileInline, explainInlineError, taskSpec, loadTask, type TaskSpec } from '../src/tasks/inline.js';
import { findForbiddenUses } from '../src/tasks/inline-scan.js';
import { AsyncResult } from '../src/pool/async-result.js';

const indirectEval = eval;
const INLINE = 'InlineFunctionError';

function run(fn: unknown, ...args: unknown[]): unknown {
  const spec = taskSpec(fn);
  assert.equal(spec.kind, 'inline');
  const f = compileInline(spec as Extract<TaskSpec, { kind: 'inline' }>);
  try {
    return f(...args);
  } catch (e) {
    throw explainInlineError(e, spec);
  }
}

test('accepted inline forms compile and run apart from where they were defined', () => {
  const obj = {
    m(x: number) {
      return x + 1;
    },
    async am(x: number) {
      return x * 3;
    },
  };
  assert.equal(
    run((x: number) => x * 2, 21),
    42,
  );
  assert.equal(
    run(function named(x: number) {
      return x - 1;
    }, 43),
    42,
  );
  assert.equal(run(obj.m, 41), 42);
  assert.ok(run(obj.am, 14) instanceof Promise);
  assert.deepEqual(
    [
      ...(run(function* gen(n: number) {
        for (let i = 0; i < n; i++) yield i;
      }, 3) as Iterable<number>),
    ],
    [0, 1, 2],
  );
  // `this` inside nested functions and classes belongs to them, not to the code outside.
  assert.equal(
    run((x: number) => {
      function F(this: { a: number }) {
        this.a = x;
      }
      return new (F as unknown as new () => { a: number })().a;
    }, 5),
    5,
  );
  assert.equal(
    run((x: number) => {
      class A {
        v = x;
        get(): number {
          return this.v;
        }
      }
      class B extends A {
        override get(): number {
          return super.get() + 1;
        }
      }
      return new B().get();
    }, 1),
    2,
  );
  assert.equal(
    run(
      function args() {
        return arguments.length;
      },
      1,
      2,
      3,
    ),
    3,
  );
  // The words only in strings, comments, templates and regular expressions do not count.
  assert.equal(
    run((s: string) => (/this|super/.test(s) ? `this ${s.length} arguments` : 'no') /* this */, 'this'),
    'this 4 arguments',
  );
});

test(
  'refused before sending: no source, classes, and `this` / `arguments` / `super` / `import.meta` of the ' + 'outside',
  () => {
    const cases: Array<[unknown, RegExp]> = [
      [Math.max, /built-in function has no source text/],
      [((x: number) => x).bind(null), /bound function has no source text/],
      [class A {}, /is a class; a task must be a function/],
      [indirectEval('(() => this)'), /uses `this` \(line 1 of its source/],
      [new Function('x', 'return this.x + x'), /uses `this`/],
      [
        {
          m() {
            return this;
          },
        }.m,
        /uses `this`/,
      ],
      [indirectEval('(function outer() { return (x) => `${this.y}` })')(), /uses `this`/],
      [
        indirectEval('(function outer() { return (x) => arguments[0] })')(),
        /uses `arguments` .*belongs to the enclosing function/,
      ],
      [() => import.meta.url, /uses `import\.meta`/],
      [
        Object.getOwnPropertyDescriptor(
          {
            get g() {
              return 1;
            },
          },
          'g',
        )!.get,
        /does not compile as a function on its own/,
      ],
    ];
    for (const [fn, re] of cases) {
      assert.throws(
        () => taskSpec(fn),
        (e: Error & { code?: string }) =>
          e.name === INLINE &&
          e.code === 'ERR_SABKIT_INLINE_FUNCTION' &&
          re.test(e.message) &&
          /export it from a module|Export a factory/.test(e.message),
        String(fn),
      );
    }
  },
);

test('the lexical scan tells nested bodies from arrow bodies and skips literals', () => {
  const words = (src: string, binds: boolean) => findForbiddenUses(src, binds).map((u) => u.word);
  assert.deepEqual(words('(x) => this.x', false), ['this']);
  assert.deepEqual(words('(x) => { if (x) { return this } }', false), ['this']);
  assert.deepEqual(words('(x) => { const o = { m() { return this } }; return o.m() }', false), []);
  assert.deepEqual(words('(x) => x.map(function (y) { return this ? y : arguments[0] })', false), []);
  assert.deepEqual(words('(x) => x.map((y) => this)', false), ['this']);
  assert.deepEqual(words('function f(a = this.b) { return a }', true), ['this']);
  assert.deepEqual(words('(x) => `a ${`b ${this.c}`} d`', false), ['this']);
  assert.deepEqual(words('(x) => x / 2 / this.d', false), ['this']);
  assert.deepEqual(words('(x) => x.this + \'this\' + "super" // this\n', false), []);
  assert.deepEqual(words('(x) => { class K extends Object { constructor() { super(); this.q = 1 } } }', false), []);
  assert.deepEqual(words('(x) => import.meta.url', false), ['import.meta']);
  assert.deepEqual(words('(x) => arguments', false), ['arguments']);
  assert.deepEqual(words('function f() { return () => arguments }', true), []);
});

test('a closure is refused before sending; the worker still explains one the caller could not see', () => {
  const factor = 3;
  assert.throws(
    () => taskSpec((x: number) => x * factor),
    (e: Error) =>
      e.name === INLINE && /is a closure: it refers to `factor`/.test(e.message) && /Pass `factor`/.test(e.message),
  );
  // The backstop: a name this thread has as a global but a worker would not is passed by the
  // caller-side check; compiled apart, reading or writing it is a ReferenceError made explanatory.
  const backstop = (source: string, ...args: unknown[]): unknown => {
    const spec: TaskSpec = { kind: 'inline', name: 'anonymous', source };
    try {
      return compileInline(spec)(...args);
    } catch (e) {
      throw explainInlineError(e, spec);
    }
  };
  assert.throws(
    () => backstop('(x) => x * factor', 2),
    (e: Error) =>
      e.name === INLINE &&
      /refers to `factor`, which does not exist in the worker/.test(e.message) &&
      /Pass `factor` as an argument/.test(e.message) &&
      e.cause instanceof ReferenceError,
  );
  assert.throws(() => backstop('(x) => helper(x)', 2), { name: INLINE, message: /refers to `helper`/ });
  // Strict mode: writing an outer variable is a closure too, not a silent new global.
  assert.throws(() => backstop('(x) => { total = x }', 2), { name: INLINE, message: /refers to `total`/ });
  assert.equal('total' in globalThis, false);
  // A ReferenceError the function throws on purpose, or one not from its own code, stays as it is.
  const own = run(() => {
    try {
      throw new ReferenceError('custom');
    } catch (e) {
      return e;
    }
  }) as Error;
  assert.equal(own.message, 'custom');
  const notInline = explainInlineError(new ReferenceError('x is not defined'), {
    kind: 'module',
    url: 'file:///m.js',
    name: 'f',
  });
  assert.ok(notInline instanceof ReferenceError);
});

test('compiled once per source text', () => {
  const spec = taskSpec((x: number) => x + 100) as Extract<TaskSpec, { kind: 'inline' }>;
  assert.equal(compileInline(spec), compileInline({ ...spec }));
  const fn = (x: number) => x;
  assert.equal(taskSpec(fn), taskSpec(fn), 'the caller-side checks run once per function object');
});

test('module task references: object, URL string with #export, path; misuse', async () => {
  const url = new URL('./fixtures/mp-tasks.js', import.meta.url);
  assert.deepEqual(taskSpec({ filename: url, name: 'square' }), { kind: 'module', url: url.href, name: 'square' });
  assert.deepEqual(taskSpec(`${url.href}#square`), { kind: 'module', url: url.href, name: 'square' });
  assert.deepEqual(taskSpec(url), { kind: 'module', url: url.href, name: 'default' });
  assert.deepEqual(taskSpec({ filename: '/abs/mod.js' }), {
    kind: 'module',
    url: pathToFileURL('/abs/mod.js').href,
    name: 'default',
  });
  assert.throws(() => taskSpec({ filename: './rel.js', name: 'f' }), {
    code: 'ERR_SABKIT_INVALID_ARGUMENT',
    message: /absolute path or a file URL/,
  });
  assert.throws(() => taskSpec({ filename: url, name: '' }), { code: 'ERR_SABKIT_INVALID_ARGUMENT' });
  assert.throws(() => taskSpec(`${url.href}#`), {
    code: 'ERR_SABKIT_INVALID_ARGUMENT',
    message: /export name after '#' is empty/,
  });
  assert.throws(() => taskSpec(null), { code: 'ERR_SABKIT_INVALID_ARGUMENT' });
  const sq = await loadTask(taskSpec({ filename: url, name: 'square' }));
  assert.equal(sq(9), 81);
  assert.equal((await loadTask(taskSpec(url)))(1), 'default 1');
  await assert.rejects(async () => loadTask(taskSpec({ filename: url, name: 'nope' })), {
    name: 'TaskModuleError',
    message: /has no export named 'nope' \(its function exports: .*square/,
  });
  await assert.rejects(async () => loadTask(taskSpec({ filename: url, name: 'notAFunction' })), {
    name: 'TaskModuleError',
    message: /is 42, not a function/,
  });
  await assert.rejects(
    async () => loadTask(taskSpec({ filename: new URL('./fixtures/mp-missing.js', import.meta.url) })),
    { name: 'TaskModuleError', message: /cannot be loaded in the worker/ },
  );
});

test('AsyncResult: get, wait, ready, successful, timeouts and callbacks', { timeout: 10_000 }, async () => {
  let resolve!: (v: number) => void;
  const seen: string[] = [];
  const r = new AsyncResult(new Promise<number>((res) => (resolve = res)), {
    callback: (v) => seen.push(`cb ${v} ready=${r.ready()}`),
  });
  assert.equal(r.ready(), false);
  assert.throws(() => r.successful(), { name: 'InvalidStateError', code: 'ERR_SABKIT_INVALID_STATE' });
  await assert.rejects(r.get(10), { name: 'TimeoutError', code: 'ERR_SABKIT_TIMEOUT' });
  await assert.rejects(r.get(0), { name: 'TimeoutError' });
  assert.equal(await r.wait(5), false);
  await assert.rejects(r.get(-1), { name: 'TimeoutError' }); // Python: a negative timeout does not wait
  await assert.rejects(r.wait(NaN), { code: 'ERR_SABKIT_INVALID_ARGUMENT' });
  resolve(7);
  assert.equal(await r.get(), 7);
  assert.equal(await r.get(0), 7);
  assert.equal(await r.wait(0), true);
  assert.equal(r.successful(), true);
  assert.deepEqual(seen, ['cb 7 ready=false']);

  const errs: unknown[] = [];
  const boom = new RangeError('boom');
  const f = new AsyncResult(Promise.reject(boom), {
    errorCallback: (e) => errs.push(e),
    callback: () => errs.push('wrong'),
  });
  await assert.rejects(f.get(), boom);
  assert.equal(f.successful(), false);
  assert.deepEqual(errs, [boom]);
});
