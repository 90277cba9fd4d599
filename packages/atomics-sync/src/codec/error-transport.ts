/**
 * Errors across threads. Structured clone turns a custom Error subclass into a plain Error and
 * drops its extra fields (measured on Node 20), so errors that cross a thread boundary are sent as
 * a plain record and rebuilt on the other side with their class, message, stack, code, cause,
 * AggregateError's `errors` and any other own cloneable fields.
 *
 * The class is found by name: sabkit's own errors and JavaScript's built-in ones are known; a
 * user's class is known once `registerErrorClass(MyError)` ran in the receiving thread. An
 * unknown class arrives as an instance of the nearest class known here (its `name`'s, else
 * `Error`) whose `name` is the original class's name, also when the class never set `name`.
 */
import { SABKIT_ERROR_CLASSES } from '../errors.js';

/** Marks a record made by `serializeError`. */
export const SERIALIZED_ERROR_TAG = '__sabkitError' as const;

/** An error as plain data (`serializeError`): class, message, stack, code and cause, for a trip between threads. */
export interface SerializedError {
  readonly [SERIALIZED_ERROR_TAG]: 1;
  readonly name: string;
  /** The constructor's name, which differs from `name` when a subclass does not set `name`. */
  readonly className?: string;
  readonly message: string;
  readonly stack?: string;
  readonly code?: unknown;
  readonly cause?: unknown;
  readonly errors?: unknown[];
  readonly props?: Record<string, unknown>;
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * globalThis key of the thread's registry of error classes from outside this package: JavaScript's
 * built-in ones and those registered with registerErrorClass. One per thread, shared by every copy
 * of this module (a second install, or the pool worker's bundle), so a class registered through
 * one copy is known to all. sabkit's own classes are not in it: each copy rebuilds them as its
 * own (SABKIT_ERROR_CLASSES), so `instanceof` holds against the classes the caller imported.
 * Created on first use, so that a copy that only serialises never builds it.
 */
const ERROR_CLASSES_KEY = Symbol.for('sabkit.atomics-sync.error-classes.v2');
function registry(): Map<string, ErrorClass> {
  return ((globalThis as Record<symbol, unknown>)[ERROR_CLASSES_KEY] ??= new Map<string, ErrorClass>([
    ['Error', Error],
    ['TypeError', TypeError],
    ['RangeError', RangeError],
    ['SyntaxError', SyntaxError],
    ['ReferenceError', ReferenceError],
    ['EvalError', EvalError],
    ['URIError', URIError],
    ['AggregateError', AggregateError],
  ])) as Map<string, ErrorClass>;
}

/** The class for `name`: a registered or built-in one first, then this copy's sabkit class. */
function classNamed(name: string | undefined): ErrorClass | undefined {
  if (name === undefined) return undefined;
  return (
    registry().get(name) ??
    (Object.hasOwn(SABKIT_ERROR_CLASSES, name) ? (SABKIT_ERROR_CLASSES as Record<string, ErrorClass>)[name] : undefined)
  );
}

/** Makes errors of class `cls` keep their class when they cross into this thread. */
export function registerErrorClass(cls: ErrorClass, name: string = cls.name): void {
  registry().set(name, cls);
}

const MAX_CAUSE_DEPTH = 16;
const SKIPPED = new Set(['name', 'message', 'stack', 'code', 'cause', 'errors']);

function isCloneable(v: unknown): boolean {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
}

function encodeValue(v: unknown, depth: number): unknown {
  if (v instanceof Error) return depth < MAX_CAUSE_DEPTH ? serializeError(v, depth + 1) : String(v);
  return isCloneable(v) ? v : String(v);
}

/** Turns any thrown value into something structured clone carries without loss. */
export function serializeError(error: unknown, depth = 0): SerializedError | unknown {
  if (!(error instanceof Error)) return isCloneable(error) ? error : String(error);
  const e = error as Error & { code?: unknown; errors?: unknown };
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(e)) {
    if (SKIPPED.has(key)) continue;
    const v = (e as unknown as Record<string, unknown>)[key];
    if (typeof v !== 'function') props[key] = encodeValue(v, depth);
  }
  return {
    [SERIALIZED_ERROR_TAG]: 1,
    name: e.name,
    className: typeof e.constructor === 'function' ? e.constructor.name : undefined,
    message: e.message,
    stack: e.stack,
    code: e.code,
    cause: 'cause' in e ? encodeValue(e.cause, depth) : undefined,
    errors: Array.isArray(e.errors) ? e.errors.map((x) => encodeValue(x, depth)) : undefined,
    props,
  } satisfies SerializedError;
}

/** Whether `v` is a record made by `serializeError` (what `deserializeError` accepts). */
export function isSerializedError(v: unknown): v is SerializedError {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>)[SERIALIZED_ERROR_TAG] === 1;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    configurable: true,
    enumerable: key !== 'stack' && key !== 'message' && key !== 'name',
  });
}

/** Rebuilds an error made by `serializeError`; any other value is returned as it is. */
export function deserializeError(value: unknown): unknown {
  if (!isSerializedError(value)) return value;
  const known = classNamed(value.className);
  const cls = known ?? classNamed(value.name) ?? Error;
  // An unregistered subclass that does not set `name` (`class MyError extends Error {}`) would
  // arrive as a bare `Error`: it keeps its constructor's name instead, as Python's traceback
  // names the exception's class, and stays an instance of the nearest class known here.
  const renamed = known === undefined && value.className !== undefined && value.className !== value.name;
  const name = renamed ? (value.className as string) : value.name;
  // Built without running the constructor: a user's constructor may take other arguments or
  // have side effects; the fields below are all an error is made of.
  const err = Object.create(cls.prototype) as Error & Record<string, unknown>;
  define(err, 'message', value.message);
  if (err.name !== name) define(err, 'name', name);
  let stack = value.stack;
  if (renamed && stack?.startsWith(`${value.name}`)) stack = name + stack.slice(value.name.length);
  if (stack !== undefined) define(err, 'stack', stack);
  if (value.code !== undefined) define(err, 'code', value.code);
  if (value.cause !== undefined) define(err, 'cause', deserializeError(value.cause));
  if (value.errors !== undefined) define(err, 'errors', value.errors.map(deserializeError));
  for (const [k, v] of Object.entries(value.props ?? {})) define(err, k, deserializeError(v));
  return err;
}
