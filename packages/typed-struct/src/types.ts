/**
 * The type-level half of typed-struct: what a schema's fields read as in TypeScript. Nothing here
 * exists at run time.
 *
 *   'i8' … 'u32', 'f32', 'f64'  -> number        'i64', 'u64'  -> bigint
 *   'bool'                      -> boolean       string(n)     -> string
 *   a struct type S             -> S's instance (read-only: assign its fields, or S.assign)
 *   array(scalar | string, n)   -> ScalarArray<value>  (a live typed array when aligned)
 *   array(struct | array, n)    -> readonly array of live element views
 *   lock()                      -> atomics-sync's Lock
 *   padding(n)                  -> not a property
 */
import type { Lock } from '@sabkit/atomics-sync';
import type { Endian, IntegerKind, ScalarKind } from './scalars.js';

export type { Endian, IntegerKind, ScalarKind } from './scalars.js';

/** What `string()` does with a string longer than its capacity. */
export type StringOverflow = 'error' | 'truncate';

/** A fixed-length array field: `array(element, length)`. */
export interface ArraySpec<E extends ElementSpec = ElementSpec> {
  readonly kind: 'array';
  readonly element: E;
  readonly length: number;
}

/** A fixed-capacity UTF-8 string field (C's `char name[capacity]`): `string(capacity)`. */
export interface StringSpec {
  readonly kind: 'string';
  readonly capacity: number;
  readonly overflow: StringOverflow;
}

/** A scalar with an explicit byte order: `be('u32')`, `le('f64')`. */
export interface ScalarSpec<K extends ScalarKind = ScalarKind> {
  readonly kind: 'scalar';
  readonly type: K;
  readonly endian: Endian;
}

/** A C bit-field: `bits('u32', 3)`. */
export interface BitsSpec<K extends IntegerKind | 'bool' = IntegerKind | 'bool'> {
  readonly kind: 'bits';
  readonly type: K;
  readonly width: number;
  readonly unnamed: boolean;
}

/** A C enum: `enumType({ red: 0, green: 1 }, { type: 'u8' })`. */
export interface EnumSpec<
  N extends Readonly<Record<string, number>> = Readonly<Record<string, number>>,
  R extends 'name' | 'value' = 'name' | 'value',
> {
  readonly kind: 'enum';
  readonly type: IntegerKind;
  readonly names: N;
  readonly read: R;
}

/** `char name[n]` as bytes: `bytes(n)`. */
export interface BytesSpec {
  readonly kind: 'bytes';
  readonly length: number;
}

/** C's trailing flexible array member `T name[]`: `flexible(element)`. */
export interface FlexSpec<E extends ElementSpec = ElementSpec> {
  readonly kind: 'flex';
  readonly element: E;
}

/** Explicit padding bytes: `padding(byteLength)`. Not readable; keeps its place in the layout. */
export interface PaddingSpec {
  readonly kind: 'padding';
  readonly byteLength: number;
}

/** An atomics-sync Lock embedded in the struct: `lock()`. */
export interface LockSpec {
  readonly kind: 'lock';
}

/** Anything that can be an array element. */
// Element specs of any shape (`any` below): `unknown` breaks the conditional types that read them.
export type ElementSpec =
  | ScalarKind
  | ScalarSpec
  // biome-ignore lint/suspicious/noExplicitAny: as above
  | ArraySpec<any>
  | StringSpec
  | BytesSpec
  | EnumSpec
  | LockSpec
  // biome-ignore lint/suspicious/noExplicitAny: as above
  | StructTypeSpec<any>;
/** Anything that can be a field. */
// biome-ignore lint/suspicious/noExplicitAny: as above
export type FieldSpec = ElementSpec | PaddingSpec | BitsSpec | FlexSpec<any>;
/** A struct's fields, in declaration order. */
export type FieldsSpec = { readonly [name: string]: FieldSpec };

/** The value of a scalar field: `bigint` for i64/u64, `boolean` for bool, else `number`. */
export type ScalarValue<K extends ScalarKind> = K extends 'i64' | 'u64' ? bigint : K extends 'bool' ? boolean : number;

/**
 * An indexable live view of an array of scalars or strings. Typed arrays satisfy it (a field
 * `array('f64', n)` in an aligned struct is a real Float64Array); bool and string arrays, and
 * numeric arrays that a packed struct leaves misaligned, are typed-struct's own view with the
 * same members.
 */
export interface ScalarArray<T> extends Iterable<T> {
  readonly length: number;
  [index: number]: T;
  at(index: number): T | undefined;
  /** Copies `values` in from `offset`, as TypedArray.prototype.set. */
  set(values: ArrayLike<T>, offset?: number): void;
  fill(value: T, start?: number, end?: number): this;
  indexOf(value: T, fromIndex?: number): number;
  includes(value: T, fromIndex?: number): boolean;
  join(separator?: string): string;
  forEach(callback: (value: T, index: number) => void): void;
  [Symbol.iterator](): IterableIterator<T>;
}

/** True for `any` (which would make the recursive types below expand without end). */
type IsAny<T> = 0 extends 1 & T ? true : false;

/** What a field of spec S reads as. */
export type FieldValue<S> =
  IsAny<S> extends true
    ? unknown
    : S extends ScalarKind
      ? ScalarValue<S>
      : S extends ScalarSpec<infer K> | BitsSpec<infer K>
        ? ScalarValue<K>
        : S extends EnumSpec<infer N, infer R>
          ? EnumValue<N, R>
          : S extends BytesSpec
            ? Uint8Array
            : S extends FlexSpec<infer E>
              ? ArrayValue<E>
              : S extends StringSpec
                ? string
                : S extends LockSpec
                  ? Lock
                  : S extends HasFields<infer G extends FieldsSpec>
                    ? StructInstance<G>
                    : S extends ArraySpec<infer E>
                      ? ArrayValue<E>
                      : never;

/** What an enum field reads as: one of its names (or, for a value without a name, its number), or its values. */
export type EnumValue<N, R> = R extends 'value' ? N[keyof N] : keyof N | (number & {});
/** What an enum field takes: a name or a value. */
export type EnumInit<N> = keyof N | N[keyof N];

/** The value of an `array(spec, n)` field: a typed array of scalars or strings, else a readonly array of views. */
export type ArrayValue<E> = E extends ScalarKind | ScalarSpec | StringSpec | EnumSpec
  ? ScalarArray<FieldValue<E>>
  : readonly FieldValue<E>[];

type NoProperty = PaddingSpec | (BitsSpec<IntegerKind | 'bool'> & { readonly unnamed: true });
type WritableKeys<F> = {
  [K in keyof F]: F[K] extends NoProperty ? never : IsData<F[K]> extends true ? K : never;
}[keyof F] &
  string;
type LockKeys<F> = {
  [K in keyof F]: F[K] extends NoProperty ? never : IsData<F[K]> extends true ? never : K;
}[keyof F] &
  string;

/** Type-only key that carries a struct's fields on its instances (no such property exists). */
export declare const FIELDS: unique symbol;
/** Type-only key that brands records (no such property exists). */
export declare const RECORD: unique symbol;
/** Type-only key that carries a struct type's fields (no such property exists). */
export declare const TYPE_FIELDS: unique symbol;
/** What type-level code matches a struct type by: only its fields, so matching is shallow. */
export interface HasFields<F> {
  readonly [TYPE_FIELDS]?: F;
}

/**
 * A struct type, as a field spec and as a StructArray's element type: the members of StructType
 * (struct-type.ts, which implements this) that the type-level half needs. Declared here rather
 * than imported so that this module does not depend on the run-time modules that depend on it.
 * `structTypeKind` keeps an arbitrary object (every object has the optional [TYPE_FIELDS]) from
 * passing for a struct type.
 */
export interface StructTypeSpec<F extends FieldsSpec = FieldsSpec> extends HasFields<F> {
  /** Absent: lets `switch (spec.kind)` tell the other specs apart, a struct type falling through. */
  readonly kind?: undefined;
  readonly structTypeKind: 'typed-struct';
  readonly name: string;
  readonly byteLength: number;
  readonly alignment: number;
}

/**
 * What every struct instance has besides its fields: nothing that takes a name. A record's
 * properties are its fields only (any identifier, `buffer` and `__proto__` included); its own
 * API is in static functions (`addressOf`, `Type.toObject`, `typeOf`) so that no name is reserved.
 */
export interface StructBase<F extends FieldsSpec = FieldsSpec> {
  /** Type-only: the schema's fields. */
  readonly [FIELDS]?: F;
  /** Type-only brand (no such property exists): a plain object is not a record. */
  readonly [RECORD]: true;
}

/**
 * A live struct: each property reads and writes the memory. Assigning a nested struct or array
 * field copies a record or array of the same shape in (`p.pos = q.pos`), as C does; lock fields
 * are read-only.
 */
export type StructInstance<F extends FieldsSpec = FieldsSpec> = StructBase<F> & {
  -readonly [K in WritableKeys<F>]: FieldValue<F[K]>;
} & {
  readonly [K in LockKeys<F>]: FieldValue<F[K]>;
};

/** The fields of a struct type: `FieldsOfType<typeof Particle>`. */
export type FieldsOfType<T> = T extends HasFields<infer F extends FieldsSpec> ? F : never;
/** The instance type of a struct type: `type Particle = InstanceOf<typeof Particle>`. */
export type InstanceOf<T> = StructInstance<FieldsOfType<T>>;

/** Any struct instance. */
// biome-ignore lint/suspicious/noExplicitAny: any field set: StructBase<unknown> would reject every concrete struct
export type AnyStruct = StructBase<any>;
/** The fields of a struct instance type. */
export type FieldsOf<T> = T extends { readonly [FIELDS]?: infer F } ? (F extends FieldsSpec ? F : never) : never;

type IsData<S> =
  IsAny<S> extends true
    ? true
    : S extends NoProperty | LockSpec
      ? false
      : S extends ArraySpec<infer E> | FlexSpec<infer E>
        ? IsData<E>
        : true;
type DataKeys<F> = { [K in keyof F]: IsData<F[K]> extends true ? K : never }[keyof F] & string;

/** Plain-object form of a struct's data (padding and locks left out). */
export type Plain<F> = { -readonly [K in DataKeys<F>]: PlainValue<F[K]> };
/** A field's value in the plain-object form (`toObject`, `toJSON`). */
export type PlainValue<S> =
  IsAny<S> extends true
    ? unknown
    : S extends ScalarKind
      ? ScalarValue<S>
      : S extends ScalarSpec<infer K> | BitsSpec<infer K>
        ? ScalarValue<K>
        : S extends EnumSpec<infer N, infer R>
          ? EnumValue<N, R>
          : S extends BytesSpec
            ? number[]
            : S extends FlexSpec<infer E>
              ? PlainValue<E>[]
              : S extends StringSpec
                ? string
                : S extends HasFields<infer G extends FieldsSpec>
                  ? Plain<G>
                  : S extends ArraySpec<infer E>
                    ? PlainValue<E>[]
                    : never;

/** Initial or new values for some of a struct's fields (arrays: the first items). */
export type Init<F> = { [K in DataKeys<F>]?: InitValue<F[K]> };
/** What a field accepts as an initial or new value (`create(init)`, `assign`). */
export type InitValue<S> =
  IsAny<S> extends true
    ? unknown
    : S extends ScalarKind
      ? ScalarValue<S>
      : S extends ScalarSpec<infer K> | BitsSpec<infer K>
        ? ScalarValue<K>
        : S extends EnumSpec<infer N>
          ? EnumInit<N>
          : S extends BytesSpec
            ? ArrayLike<number>
            : S extends FlexSpec<infer E>
              ? ArrayLike<InitValue<E>>
              : S extends StringSpec
                ? string
                : S extends HasFields<infer G extends FieldsSpec>
                  ? Init<G>
                  : S extends ArraySpec<infer E>
                    ? ArrayLike<InitValue<E>>
                    : never;

type AtomicKeysOf<F> = {
  [K in keyof F]: F[K] extends 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' ? K : never;
}[keyof F] &
  string;
/** Names of a struct's integer fields (those that take atomic operations). */
export type AtomicKey<T> = AtomicKeysOf<FieldsOf<T>>;
/** What an atomic operation on integer field K of record T takes and returns. */
export type AtomicValue<T, K extends string> = K extends keyof FieldsOf<T>
  ? FieldsOf<T>[K] extends 'i64' | 'u64'
    ? bigint
    : number
  : never;

/** Dotted paths to the scalar and string leaves of a struct: 'pos.x', 'tags.3', 'verts.2.x' (8 levels deep at most). */
export type LeafPath<F, D extends unknown[] = []> = D['length'] extends 8
  ? never
  : { [K in keyof F & string]: `${K}${LeafSuffix<F[K], [...D, 1]>}` }[keyof F & string];
type LeafSuffix<S, D extends unknown[]> = D['length'] extends 8
  ? never
  : IsAny<S> extends true
    ? string
    : S extends ScalarKind | StringSpec | ScalarSpec | BitsSpec | EnumSpec
      ? ''
      : S extends HasFields<infer G extends FieldsSpec>
        ? `.${LeafPath<G, D>}`
        : S extends ArraySpec<infer E>
          ? `.${number}${LeafSuffix<E, [...D, 1]>}`
          : never;

/** The field spec at a dotted path. */
export type SpecAt<F, P extends string> = P extends `${infer H}.${infer R}`
  ? H extends keyof F
    ? SpecIn<F[H], R>
    : never
  : P extends keyof F
    ? F[P]
    : never;
type SpecIn<S, P extends string> =
  IsAny<S> extends true
    ? // biome-ignore lint/suspicious/noExplicitAny: a schema typed `any` must stay `any`, as the input was
      any
    : S extends HasFields<infer G extends FieldsSpec>
      ? SpecAt<G, P>
      : S extends ArraySpec<infer E>
        ? P extends `${number}.${infer R}`
          ? SpecIn<E, R>
          : P extends `${number}`
            ? E
            : never
        : never;

/** What the leaf at a dotted path reads as. */
export type PathValue<F, P extends string> = FieldValue<SpecAt<F, P>>;

/** Structured-cloneable description of a field, as `toSchema()` writes it. */
export type FieldSchema =
  | ScalarKind
  | { readonly scalar: ScalarKind; readonly endian: Endian }
  | { readonly bits: IntegerKind | 'bool'; readonly width: number; readonly unnamed: boolean }
  | { readonly enum: IntegerKind; readonly names: Readonly<Record<string, number>>; readonly read: 'name' | 'value' }
  | { readonly bytes: number }
  | { readonly flexible: FieldSchema }
  | { readonly array: FieldSchema; readonly length: number }
  | { readonly string: number; readonly overflow: StringOverflow }
  | { readonly padding: number }
  | { readonly lock: true }
  | { readonly struct: StructSchema };

/** Structured-cloneable description of a struct type; `StructType.fromSchema` rebuilds it. */
export interface StructSchema {
  readonly name: string;
  readonly packed: boolean;
  /** Present (true) for a union. */
  readonly union?: boolean;
  /** Present for a big-endian struct. */
  readonly endian?: Endian;
  /** Present (true) for a checked struct. */
  readonly checked?: boolean;
  readonly fields: readonly (readonly [string, FieldSchema])[];
}

/** One field of a struct type, as `Type.fields` lists it. */
export interface FieldInfo {
  readonly name: string;
  /** offsetof: bytes from the start of the struct. */
  readonly offset: number;
  /** sizeof the field. */
  readonly byteLength: number;
  /** Alignment used in this layout (1 in a packed struct). */
  readonly alignment: number;
  /** Bit-fields: the lowest bit's position in the byte at `offset` (0-7), and the width. */
  readonly bit?: number;
  readonly bitWidth?: number;
  /** Readable type: 'f64', 'u8[4]', 'Vec3', 'Vec3[2]', 'string(16)', 'padding(3)', 'lock', 'u32:3', 'be(u16)'. */
  readonly type: string;
  readonly spec: FieldSpec;
}
