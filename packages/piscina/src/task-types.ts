/**
 * Types that tie `Piscina.run()` to the task module a pool runs, when the program declares it:
 *
 *   const pool = new Piscina<typeof import('./task.js')>({ filename: new URL('./task.js', import.meta.url) });
 *   const n = await pool.run({ a: 4, b: 6 }); // the parameter and result of task.js's default export
 *   const d = await pool.run(21, { name: 'twice' }); // of its `twice` export
 *
 * The pool's first type parameter keeps piscina's meaning too: any other type is the task's type
 * (`Piscina<Input, Output>`), and with none at all both are `any`, as in npm piscina, so that code
 * written against piscina compiles unchanged (docs/pool.md, "Types").
 */

// biome-ignore lint/suspicious/noExplicitAny: a function of any parameter list (`unknown[]` refuses typed ones)
type AnyFunction = (...args: any[]) => unknown;

/** True when T is `any` (nothing else is both 0 and 1 & T). */
type IsAny<T> = 0 extends 1 & T ? true : false;

/** The function a pool's task type describes: a function type, or a module type's default export; else never. */
export type TaskFunction<T> = T extends AnyFunction
  ? T
  : T extends { readonly default: infer F extends AnyFunction }
    ? F
    : never;

/**
 * What `run()` takes for a pool of task type T: the first parameter of the task function when T
 * describes one (a module type or a function type), else T itself (piscina's `Piscina<T>`); `any`
 * when T is (piscina's default).
 */
export type TaskArgument<T> =
  IsAny<T> extends true
    ? // biome-ignore lint/suspicious/noExplicitAny: piscina's default, kept for the drop-in
      any
    : [TaskFunction<T>] extends [never]
      ? T
      : Parameters<TaskFunction<T>>[0];

/**
 * What `run()` resolves with for a pool of task type T: the awaited result of the task function
 * when T describes one, else `any` (piscina's default for the result type).
 */
export type TaskResult<T> =
  IsAny<T> extends true
    ? // biome-ignore lint/suspicious/noExplicitAny: piscina's default, kept for the drop-in
      any
    : [TaskFunction<T>] extends [never]
      ? // biome-ignore lint/suspicious/noExplicitAny: piscina's default, kept for the drop-in
        any
      : Awaited<ReturnType<TaskFunction<T>>>;

/** The names of a module type's function exports (`run(task, { name })`); never unless T is a module type. */
export type TaskExportName<T> =
  IsAny<T> extends true
    ? never
    : T extends AnyFunction
      ? never
      : { [K in keyof T]: T[K] extends AnyFunction ? K : never }[keyof T] & string;

/** The export `N` of module type T. */
export type TaskExport<T, N> = N extends keyof T ? T[N] : never;
