// Bad input for what records and the new kinds add: closed records, the one overflow rule
// (wrong JavaScript type refused everywhere, range checked in checked structs), bit-fields,
// enums, flexible array members. Each case: a named error with a stable code and a message that
// says what was wrong. (Split from errors.test.ts, which holds the older cases.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError, SabkitError } from '@sabkit/atomics-sync';
import {
  StructFieldError,
  StructRangeError,
  StructSchemaError,
  array,
  bits,
  enumType,
  flexible,
  lock,
  string,
  struct,
} from '../src/index.js';

const Vec3 = struct({ x: 'f64', y: 'f64', z: 'f64' }, { name: 'Vec3' });
const Rec = struct({ id: 'u32', name: string(8), pos: Vec3, tags: array('u8', 2), mu: lock() }, { name: 'Rec' });
const RecC = struct(
  { id: 'u32', tags: array('u8', 2), big: 'i64', f: 'f32', e: bits('i32', 3) },
  {
    name: 'RecC',
    checked: true,
  },
);
const Wide = struct({ big: 'i64' }, { name: 'Wide' });

type ErrorClass = abstract new (...args: never[]) => Error;
const CASES: [string, () => unknown, ErrorClass, string, RegExp][] = [
  // Records are closed, like C structs; the one overflow rule (wrong JS type refused everywhere,
  // range checked in checked structs).
  [
    'assigning a field that does not exist',
    () => {
      (Vec3.create() as unknown as { typo: number }).typo = 1;
    },
    StructFieldError,
    'ERR_SABKIT_STRUCT_FIELD',
    /Vec3 has no field "typo" to assign 1 to \(fields: x, y, z\)/,
  ],
  [
    'assigning a name Object.prototype has',
    () => {
      (Vec3.create() as unknown as { toString: unknown }).toString = () => 'x';
    },
    StructFieldError,
    'ERR_SABKIT_STRUCT_FIELD',
    /Vec3 has no field "toString"/,
  ],
  [
    'assigning a lock field',
    () => {
      const r = Rec.create();
      (r as { mu: unknown }).mu = r.mu;
    },
    StructFieldError,
    'ERR_SABKIT_STRUCT_FIELD',
    /Rec\.mu is a lock, which cannot be assigned/,
  ],
  [
    'a number for an i64 field',
    () => {
      (RecC.create() as { big: unknown }).big = 5;
    },
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /RecC\.big is i64 and takes a bigint, got 5 \(64-bit fields take a bigint: 5n\)/,
  ],
  [
    'a number for an i64 field (unchecked struct)',
    () => {
      (Wide.create() as { big: unknown }).big = 5;
    },
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /Wide\.big is i64 and takes a bigint, got 5/,
  ],
  [
    'a string for an f64 field',
    () => {
      (Vec3.create() as { x: unknown }).x = 'abc';
    },
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /Vec3\.x is f64 and takes a number, got "abc"/,
  ],
  [
    'checked store out of range',
    () => {
      RecC.create().id = -1;
    },
    StructRangeError,
    'ERR_SABKIT_STRUCT_RANGE',
    /RecC\.id is u32 and holds integers in \[0, 4294967295\], got -1/,
  ],
  [
    'checked bit-field out of range',
    () => {
      RecC.create().e = 4;
    },
    StructRangeError,
    'ERR_SABKIT_STRUCT_RANGE',
    /RecC\.e is a 3-bit i32 bit-field holding \[-4, 3\], got 4/,
  ],
  [
    'bit-field wider than its type',
    () => bits('u8', 9),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /width must be an integer in \[0, 8\] for u8/,
  ],
  [
    'enum value out of its type',
    () => enumType({ a: 300 }, { type: 'u8' }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /a = 300 is not an integer that u8 holds/,
  ],
  [
    'enum given an unknown name',
    () => {
      (struct({ c: enumType({ red: 0, blue: 1 }) }, { name: 'E' }).create() as { c: unknown }).c = 'green';
    },
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /E\.c is an enum of red, blue; got the name "green"/,
  ],
  [
    'flexible array member not last',
    () => struct({ d: flexible('f64'), n: 'u32' }, { name: 'Fl' }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /the flexible array member d must be the last field, but n follows it/,
  ],
  [
    'struct with a flexible array member nested',
    () => struct({ inner: struct({ n: 'u32', d: flexible('u8') }, { name: 'In' }) }, { name: 'Out' }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /In ends in a flexible array member, so it cannot be a field/,
  ],
  [
    'bit-field in a big-endian struct',
    () => struct({ a: bits('u16', 3) }, { name: 'BeBits', endian: 'big' }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /bit-fields in a big-endian struct are not supported/,
  ],
  [
    'StructArray of a flexible struct',
    () => struct({ n: 'u32', d: flexible('u8') }, { name: 'Fa' }).array(2),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /Fa ends in a flexible array member; C has no arrays of such structs/,
  ],
];

for (const [what, fn, cls, code, message] of CASES) {
  test(`bad input: ${what}`, { timeout: 5_000 }, () => {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
      assert.ok(e instanceof SabkitError);
      assert.equal((e as SabkitError).code, code);
      assert.match((e as Error).message, message);
      return true;
    });
  });
}
