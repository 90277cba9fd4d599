/**
 * The contract between typed cells (Value, SharedArray) and struct types (@sabkit/typed-struct),
 * so that `new Value(Point)` and `new SharedArray(Point, n)` work as Python's `Value(Point)` and
 * `Array(Point, n)` do, without atomics-sync depending on typed-struct.
 *
 * A struct type describes a fixed-size C-layout record. It can view one record at a place in a
 * buffer, and it can describe itself as a structured-cloneable schema so that a cell holding it can
 * be revived in another thread: the receiving thread rebuilds the type from the schema through the
 * factory registered under the type's `structTypeKind` (typed-struct registers its own when it
 * loads, so a worker that revives a struct cell must have imported @sabkit/typed-struct).
 */
import { InvalidArgumentError, ReviveError, describe } from '../errors.js';

/**
 * What a cell needs of a struct type to hold records (`new Value(Point)`, `new SharedArray(Point, n)`):
 * sizes, a view over bytes, and a schema to rebuild the type in another thread. typed-struct's
 * `StructType` implements it.
 */
export interface StructTypeLike<T = unknown> {
  /** Which factory rebuilds this type from its schema (e.g. "typed-struct"). */
  readonly structTypeKind: string;
  /** Size of one record in bytes, tail padding included (C's sizeof). */
  readonly byteLength: number;
  /** Alignment of one record in bytes (C's alignof). */
  readonly alignment: number;
  /** A live view of the record at `byteOffset` in `buffer`; reads and writes go to the buffer. */
  view(buffer: ArrayBufferLike, byteOffset: number): T;
  /** A structured-cloneable description from which `structTypeKind`'s factory rebuilds the type. */
  toSchema(): unknown;
}

type Factory = (schema: unknown) => StructTypeLike;
const factories = new Map<string, Factory>();

/** Registers how to rebuild struct types of `kind` from their schema. */
export function registerStructTypeFactory(kind: string, fromSchema: Factory): void {
  factories.set(kind, fromSchema);
}

/** Rebuilds a struct type from `{ kind, schema }` as stored in a cell's descriptor. */
export function structTypeFromSchema(kind: string, schema: unknown): StructTypeLike {
  const f = factories.get(kind);
  if (!f) {
    throw new ReviveError(
      `cannot revive a cell of struct type kind "${kind}": no factory is registered in this thread (import ` +
        `@sabkit/typed-struct here first)`,
    );
  }
  return f(schema);
}

/** Whether `value` is a struct type a cell can hold (implements `StructTypeLike`). */
export function isStructTypeLike(value: unknown): value is StructTypeLike {
  const v = value as Partial<StructTypeLike> | null;
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    v !== null &&
    typeof v.structTypeKind === 'string' &&
    typeof v.byteLength === 'number' &&
    typeof v.alignment === 'number' &&
    typeof v.view === 'function' &&
    typeof v.toSchema === 'function'
  );
}

/** Throws unless `value` is a struct type with a sane size and alignment. */
export function checkStructType(value: unknown, param: string): StructTypeLike {
  if (!isStructTypeLike(value))
    throw new InvalidArgumentError(`${param} must be a struct type, got ${describe(value)}`);
  const { byteLength, alignment } = value;
  if (
    !Number.isInteger(byteLength) ||
    byteLength <= 0 ||
    !Number.isInteger(alignment) ||
    alignment <= 0 ||
    (alignment & (alignment - 1)) !== 0
  ) {
    throw new InvalidArgumentError(
      `${param}: a struct type needs a positive byteLength and a power-of-two alignment, got ${byteLength} ` +
        `and ${alignment}`,
    );
  }
  return value;
}
