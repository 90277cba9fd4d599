/**
 * The codec's tag bytes (byte 0 of every encoding) and the TAG_BYTES header: the format is drawn in
 * codec.ts, which re-exports these; in a module of their own so that the encoder (codec.ts) and the
 * decoder (decode.ts) share them without importing each other.
 */

// Tag bytes (byte 0 of every encoding). 0 is never a tag, so an all-zero region is not a value.
/** Tag: `undefined`. */
export const TAG_UNDEFINED = 1;
/** Tag: `null`. */
export const TAG_NULL = 2;
/** Tag: `false`. */
export const TAG_FALSE = 3;
/** Tag: `true`. */
export const TAG_TRUE = 4;
/** Tag: a number that is an int32. */
export const TAG_INT32 = 5;
/** Tag: any other number, as a float64. */
export const TAG_FLOAT64 = 6;
/** Tag: a bigint that fits an int64. */
export const TAG_BIGINT64 = 7;
/** Tag: a string. */
export const TAG_STRING = 8;
/** Tag: an ArrayBuffer, typed array or DataView (then a TYPE_ code and the raw bytes). */
export const TAG_BYTES = 9;
/** Tag: anything else, in node:v8's serialization. */
export const TAG_V8 = 10;

/** Strings with lone surrogates: the UTF-16 code units, 2 bytes each (UTF-8 cannot carry them). */
export const TAG_STRING16 = 11;
/** Objects, arrays, Maps, Sets, Dates... written by the tree encoder (formats.ts), no node:v8. */
export const TAG_TREE = 12;

/**
 * Bytes before the raw bytes of a TAG_BYTES encoding: tag, type code, 6 zero bytes. The padding
 * makes the raw bytes word-aligned whenever the region starts 8-aligned (ring records do): V8
 * copies a SharedArrayBuffer's bytes word by word only when they are aligned, and byte by byte
 * otherwise, about 3x slower (measured: 64 KiB out of shared memory in 7 µs aligned, 23 µs not).
 */
export const BYTES_HEADER = 8;
