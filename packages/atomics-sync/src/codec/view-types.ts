/**
 * The typed-array kinds the codec carries by type code (TAG_BYTES byte 1, and V_VIEW of the tree
 * format): the code of a view, and the constructor of a code.
 */
export const TYPE_ARRAY_BUFFER = 0;
export const TYPE_INT8 = 1;
export const TYPE_UINT8 = 2;
export const TYPE_UINT8_CLAMPED = 3;
export const TYPE_INT16 = 4;
export const TYPE_UINT16 = 5;
export const TYPE_INT32 = 6;
export const TYPE_UINT32 = 7;
export const TYPE_FLOAT32 = 8;
export const TYPE_FLOAT64 = 9;
export const TYPE_BIGINT64 = 10;
export const TYPE_BIGUINT64 = 11;
export const TYPE_DATA_VIEW = 12;

export type ViewCtor = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => ArrayBufferView;
export const VIEW_CTORS: (ViewCtor | undefined)[] = [
  undefined,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  DataView,
] as unknown as (ViewCtor | undefined)[];

/** The type code of a view, or -1 for a view type the codec does not know (e.g. Float16Array). */
export function typeCodeOf(view: ArrayBufferView): number {
  if (view instanceof Uint8Array) return TYPE_UINT8; // includes Buffer
  if (view instanceof Float64Array) return TYPE_FLOAT64;
  if (view instanceof Int32Array) return TYPE_INT32;
  if (view instanceof Uint32Array) return TYPE_UINT32;
  if (view instanceof Float32Array) return TYPE_FLOAT32;
  if (view instanceof Int8Array) return TYPE_INT8;
  if (view instanceof Uint8ClampedArray) return TYPE_UINT8_CLAMPED;
  if (view instanceof Int16Array) return TYPE_INT16;
  if (view instanceof Uint16Array) return TYPE_UINT16;
  if (view instanceof BigInt64Array) return TYPE_BIGINT64;
  if (view instanceof BigUint64Array) return TYPE_BIGUINT64;
  if (view instanceof DataView) return TYPE_DATA_VIEW;
  return -1;
}
