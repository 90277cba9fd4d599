/**
 * The codec's tree format (TAG_TREE): a structured-clone value graph written straight into the
 * region by tree-encode.ts and read back by tree-decode.ts, without node:v8.
 *
 * After the TAG_TREE byte comes one value. Every value starts with one of the V_ bytes below.
 * Counts, lengths and ids are unsigned LEB128 varints ("vu"); integers are zigzag varints ("vz").
 *
 *   V_UNDEFINED / V_NULL / V_FALSE / V_TRUE / V_HOLE    1 byte (V_HOLE: a missing array element)
 *   V_INT      vz int32
 *   V_FLOAT64  8 bytes little-endian (every number that is not an int32, -0 included)
 *   V_BIGINT   sign byte (0 / 1 = negative), vu byte count, magnitude little-endian
 *   V_STRING   vu UTF-8 byte length, UTF-8 bytes (well-formed strings)
 *   V_STRING16 vu UTF-16 unit count, units little-endian (strings with lone surrogates)
 *   V_OBJECT   vu key count, then per key: a V_STRING / V_STRING16 key, a value
 *   V_ARRAY    vu length, that many values (V_HOLE for missing elements)
 *   V_REF      vu id: the id-th object of this encoding, in the order they began (cycles, sharing)
 *   V_DATE     float64 time value
 *   V_REGEXP   source (V_STRING / V_STRING16), flags (V_STRING)
 *   V_MAP      vu entry count, key value ...           V_SET  vu count, values ...
 *   V_ARRAY_BUFFER  vu byte length, bytes
 *   V_VIEW     type code (codec.ts TYPE_*), then its buffer as a value (V_ARRAY_BUFFER or V_REF),
 *              vu byteOffset, vu length (elements; bytes for a DataView)
 *   V_BOXED_NUMBER float64 | V_BOXED_STRING string value | V_BOXED_TRUE | V_BOXED_FALSE |
 *   V_BOXED_BIGINT bigint value
 *   V_ERROR    prototype index (ERROR_NAMES), flags (1 message, 2 stack, 4 cause), then those present:
 *              message string, stack string, cause value (structured clone's rules for errors)
 *
 * Objects get ids in the order they begin (objects, arrays, dates, regexps, maps, sets, buffers,
 * views, boxed primitives), as V8's serializer numbers them, so a V_REF reproduces shared and
 * cyclic references exactly.
 */
export const V_UNDEFINED = 1;
export const V_NULL = 2;
export const V_FALSE = 3;
export const V_TRUE = 4;
export const V_INT = 5;
export const V_FLOAT64 = 6;
export const V_BIGINT = 7;
export const V_STRING = 8;
export const V_STRING16 = 9;
export const V_OBJECT = 10;
export const V_ARRAY = 11;
export const V_HOLE = 12;
export const V_REF = 13;
export const V_DATE = 14;
export const V_REGEXP = 15;
export const V_MAP = 16;
export const V_SET = 17;
export const V_ARRAY_BUFFER = 18;
export const V_VIEW = 19;
export const V_BOXED_NUMBER = 20;
export const V_BOXED_STRING = 21;
export const V_BOXED_TRUE = 22;
export const V_BOXED_FALSE = 23;
export const V_BOXED_BIGINT = 24;
export const V_ERROR = 25;

/** The error prototypes structured clone keeps (by the error's `name`); any other name gives Error. */
export const ERROR_NAMES = [
  'Error',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
];
export const ERROR_MESSAGE = 1;
export const ERROR_STACK = 2;
export const ERROR_CAUSE = 4;

/** Deepest nesting the tree encoder follows before leaving the value to node:v8. */
export const MAX_DEPTH = 64;
/** Longest array the tree encoder carries (holes cost a byte each; V8 writes long sparse arrays sparsely). */
export const MAX_ARRAY = 1 << 16;
