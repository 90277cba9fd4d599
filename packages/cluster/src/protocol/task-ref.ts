/**
 * Tasks of a ClusterPool, as the caller names them and as they travel:
 *  - an inline function: its source is shipped under the local Pool's closure rule, checked here by
 *    @sabkit/multiprocessing's own checker (a closure is refused before anything is sent);
 *  - a module under the worker's root: `{ module: 'tasks/score.js', name: 'score' }` or
 *    `'tasks/score.js#score'`. Each worker resolves the path against its `--root`, since the
 *    caller's paths mean nothing on another machine (the seed's "must be importable" caveat); a
 *    module that is not there fails with a TaskModuleError naming it, the root and the host.
 */
import { isAbsolute, posix } from 'node:path';
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync';
import { taskSpec } from '@sabkit/multiprocessing/internal';
import type { WireTask } from './wire.js';

/** A module export under each worker's root. */
export interface RootModuleTask {
  /** Path relative to the worker's `--root`, with '/' separators; it may not leave the root. */
  readonly module: string;
  /** Export name; default 'default'. */
  readonly name?: string;
}

/** Anything that names a cluster task. */
// biome-ignore lint/suspicious/noExplicitAny: a task of any parameter list, as the local Pool's TaskRef
export type ClusterTask<A extends any[] = any[], R = unknown> =
  | ((...args: A) => R | PromiseLike<R>)
  | RootModuleTask
  | string;

export function wireTask(ref: unknown, param = 'fn'): WireTask {
  if (typeof ref === 'function') {
    const spec = taskSpec(ref, param);
    if (spec.kind !== 'inline') throw new InvalidArgumentError(`${param}: not an inline function`);
    return spec;
  }
  if (typeof ref === 'string') {
    const hash = ref.lastIndexOf('#');
    return rootModule(hash < 0 ? ref : ref.slice(0, hash), hash < 0 ? 'default' : ref.slice(hash + 1), param);
  }
  if (typeof ref === 'object' && ref !== null && 'module' in ref) {
    const m = ref as RootModuleTask;
    if (m.name !== undefined && (typeof m.name !== 'string' || m.name === '')) {
      throw new InvalidArgumentError(`${param}.name must be a non-empty export name, got ${describe(m.name)}`);
    }
    return rootModule(m.module, m.name ?? 'default', param);
  }
  throw new InvalidArgumentError(
    `${param} must be a function, a module under the workers' root { module, name }, or a ` +
      `'path/to/module.js#exportName' string; got ${describe(ref)}`,
  );
}

function rootModule(module: unknown, name: string, param: string): WireTask {
  if (typeof module !== 'string' || module === '') {
    throw new InvalidArgumentError(`${param}.module must be a non-empty path, got ${describe(module)}`);
  }
  if (name === '') throw new InvalidArgumentError(`${param}: the export name after '#' is empty in '${module}'`);
  const normal = posix.normalize(module.replaceAll('\\', '/'));
  if (isAbsolute(module) || /^[a-z]+:/i.test(module) || normal.startsWith('../') || normal === '..') {
    throw new InvalidArgumentError(
      `${param}.module must be a path relative to the workers' --root that stays under it (each worker ` +
        `resolves it on its own machine), got ${describe(module)}`,
    );
  }
  return { kind: 'root', module: normal, name };
}
