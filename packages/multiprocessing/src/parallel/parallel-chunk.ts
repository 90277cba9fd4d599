/**
 * Worker side of the parallel loops (parallel.ts): runs one chunk of iterations.
 *
 * Speed comes from one detail. A single loop function shared by every body would call `body`
 * from one call site that sees many different functions (megamorphic), which V8 cannot inline:
 * a few nanoseconds per iteration, more than the arithmetic in a typical numeric body. So each
 * (body, shape of loop) gets its own loop, compiled here with `new Function` around that one body:
 * its call site only ever sees that body, V8 inlines it, and the loop runs as fast as one written
 * by hand.
 */
import { explainInlineError, loadTask, type TaskSpec } from '../tasks/inline.js';
import { unpackView, unpackViews } from '../tasks/shared-views.js';

/** Where the iterations come from. */
export type LoopSourceSpec =
  /** i = start + k * step */
  | { readonly kind: 'range'; readonly start: number; readonly step: number }
  /** the elements of a typed array over shared memory */
  | { readonly kind: 'array'; readonly view: ArrayLike<number | bigint> };

/** One chunk: iterations k in [lo, hi). */
export interface LoopChunk {
  readonly source: LoopSourceSpec;
  readonly lo: number;
  readonly hi: number;
  /** parallelFor: the body; parallelReduce: the map function. */
  readonly body: TaskSpec;
  /** parallelReduce only. */
  readonly combine?: TaskSpec;
  readonly identity?: unknown;
  readonly args: readonly unknown[];
}

type AnyFn = (...a: unknown[]) => unknown;
type ForLoop = (lo: number, hi: number, source: unknown, step: number, args: readonly unknown[]) => void;
type ReduceLoop = (
  lo: number,
  hi: number,
  source: unknown,
  step: number,
  args: readonly unknown[],
  identity: unknown,
) => unknown;

// Loops compiled for each body (and combine) function, by shape: "for|range|2" and so on.
const loops = new WeakMap<AnyFn, Map<string, ForLoop | ReduceLoop>>();

function argNames(n: number): string {
  let s = '';
  for (let j = 0; j < n; j++) s += `, a${j}`;
  return s;
}

// The loop text for a shape. `src` is the start (range) or the typed array (array); `args` are
// bound to a0..a{n-1} once, outside the loop.
function loopSource(reduce: boolean, kind: 'range' | 'array', nArgs: number): string {
  const bind = Array.from({ length: nArgs }, (_, j) => `const a${j} = args[${j}];`).join(' ');
  const call = kind === 'range' ? `body(src + k * step${argNames(nArgs)})` : `body(src[k], k, src${argNames(nArgs)})`;
  return reduce
    ? `return function reduceLoop(lo, hi, src, step, args, identity) { ${bind} let acc = identity; for (let ` +
        `k = lo; k < hi; k++) acc = combine(acc, ${call}); return acc; };`
    : `return function forLoop(lo, hi, src, step, args) { ${bind} for (let k = lo; k < hi; k++) ${call}; };`;
}

function compiledLoop(
  body: AnyFn,
  combine: AnyFn | undefined,
  kind: 'range' | 'array',
  nArgs: number,
): ForLoop | ReduceLoop {
  // Keyed on the body, and for reduce on the combine function too (a body may pair with several).
  const key = `${combine ? 'reduce' : 'for'}|${kind}|${nArgs}`;
  let byShape = loops.get(body);
  if (!byShape) loops.set(body, (byShape = new Map()));
  const combineKey = combine ? `${key}|${combineId(combine)}` : key;
  let loop = byShape.get(combineKey);
  if (!loop) {
    loop = new Function('body', 'combine', loopSource(combine !== undefined, kind, nArgs))(body, combine) as
      | ForLoop
      | ReduceLoop;
    byShape.set(combineKey, loop);
  }
  return loop;
}

const combineIds = new WeakMap<AnyFn, number>();
let nextCombineId = 0;
function combineId(f: AnyFn): number {
  let id = combineIds.get(f);
  if (id === undefined) combineIds.set(f, (id = ++nextCombineId));
  return id;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';
}

/** Runs a chunk; returns undefined (for) or the chunk's accumulated value (reduce). */
export function runLoopChunk(task: LoopChunk): unknown {
  const body = loadTask(task.body);
  const combine = task.combine ? loadTask(task.combine) : undefined;
  if (isThenable(body) || isThenable(combine)) {
    return Promise.all([body, combine]).then(([b, c]) => runWith(task, b, c));
  }
  return runWith(task, body, combine);
}

function runWith(task: LoopChunk, body: AnyFn, combine: AnyFn | undefined): unknown {
  const { source, lo, hi } = task;
  const args = unpackViews([...task.args]);
  const loop = compiledLoop(body, combine, source.kind, args.length);
  const src = source.kind === 'range' ? source.start : unpackView(source.view);
  const step = source.kind === 'range' ? source.step : 1;
  try {
    return combine
      ? (loop as ReduceLoop)(lo, hi, src, step, args, task.identity)
      : (loop as ForLoop)(lo, hi, src, step, args);
  } catch (e) {
    const explained = explainInlineError(e, task.body);
    throw explained === e && task.combine ? explainInlineError(e, task.combine) : explained;
  }
}
