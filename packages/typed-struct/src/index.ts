// Public API of @sabkit/typed-struct. This file only re-exports.
export {
  StructType,
  struct,
  union,
  addressOf,
  typeOf,
  type StructOptions,
  type StructDescriptor,
} from './struct-type.js';
export { array, string, padding, lock, be, le, bits, enumType, bytes, flexible } from './specs.js';
export { StructArray, type StructRegion } from './struct-array.js';
export { STRUCT_KIND, STRUCT_ARRAY_KIND, STRUCT_TYPE_KIND } from './protocol.js';
export { Column, type ColumnData } from './column.js';
export { atomics } from './atomics.js';
export { StructSchemaError, StructRangeError, StructFieldError, AtomicFieldError } from './errors.js';
export { SCALAR_KINDS, SCALARS, type ScalarInfo } from './scalars.js';
export type { StructBuffer, WasmMemoryLike } from './memory.js';
export type {
  ScalarKind,
  IntegerKind,
  Endian,
  ScalarSpec,
  BitsSpec,
  EnumSpec,
  EnumValue,
  EnumInit,
  BytesSpec,
  FlexSpec,
  StringOverflow,
  ArraySpec,
  StringSpec,
  PaddingSpec,
  LockSpec,
  ElementSpec,
  FieldSpec,
  FieldsSpec,
  ScalarValue,
  ScalarArray,
  FieldValue,
  ArrayValue,
  StructBase,
  StructInstance,
  InstanceOf,
  FieldsOfType,
  AnyStruct,
  FieldsOf,
  Plain,
  PlainValue,
  Init,
  InitValue,
  AtomicKey,
  AtomicValue,
  LeafPath,
  SpecAt,
  PathValue,
  FieldSchema,
  StructSchema,
  FieldInfo,
  StructTypeSpec,
} from './types.js';
