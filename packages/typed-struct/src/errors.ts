/**
 * typed-struct's named errors. They extend atomics-sync's SabkitError (stable `code`, message that
 * names the field, the rule and the value) and are registered with its error transport, so they
 * keep their class when they cross a worker boundary.
 *
 * Where atomics-sync already has a fitting class, typed-struct throws that one instead:
 * InvalidRegionError (a buffer that is too small, a misaligned byteOffset), InvalidArgumentError (a
 * bad StructArray length or argument), IndexError (an element index out of range), ReviveError
 * (`from` given something that is not a serialised struct of this type).
 */
import { SabkitError, registerErrorClass } from '@sabkit/atomics-sync/core';

/** A struct definition or schema is invalid: unknown field type, duplicate or reserved name, bad size. */
export class StructSchemaError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_STRUCT_SCHEMA', message);
  }
}

/** A value does not fit its field: a string over its capacity, too many items for an array field. */
export class StructRangeError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_STRUCT_RANGE', message);
  }
}

/**
 * An atomic operation on a field that cannot take one: not an integer field, or not naturally
 * aligned in memory (a packed struct), where Atomics cannot reach it.
 */
export class AtomicFieldError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_ATOMIC_FIELD', message);
  }
}

registerErrorClass(StructSchemaError);
registerErrorClass(StructRangeError);
registerErrorClass(AtomicFieldError);

/**
 * A record was given a property its struct does not have (`p.typo = 1`): records have exactly the
 * fields of their struct, as in C.
 */
export class StructFieldError extends SabkitError {
  constructor(message: string) {
    super('ERR_SABKIT_STRUCT_FIELD', message);
  }
}

registerErrorClass(StructFieldError);
