// Bad input gets a named error with a stable code and a message that says what was wrong, and
// never changes memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexError, InvalidArgumentError, InvalidRegionError, ReviveError, SabkitError } from '@sabkit/atomics-sync';
import {
  AtomicFieldError,
  StructArray,
  StructRangeError,
  StructSchemaError,
  StructType,
  addressOf,
  array,
  bits,
  atomics,
  lock,
  padding,
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
const Tight = struct({ a: 'u8', n: 'i32', f: 'f64', b: 'bool' }, { name: 'Tight', packed: true });

type ErrorClass = abstract new (...args: never[]) => Error;
const CASES: [string, () => unknown, ErrorClass, string, RegExp][] = [
  // Schemas.
  [
    'negative array length',
    () => array('u8', -1),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /length must be a positive integer, got -1 \(negative\)/,
  ],
  [
    'fractional array length',
    () => array('u8', 2.5),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /length must be a positive integer, got 2\.5/,
  ],
  [
    'unknown field type',
    () => struct({ a: 'u9' as 'u8' }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /Struct\.a: unknown field type "u9"; expected one of 'i8'/,
  ],
  [
    'unknown field type object',
    () => struct({ a: { kind: 'blob' } as unknown as 'u8' }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /Struct\.a: unknown field type an object/,
  ],
  [
    'duplicate field name',
    () =>
      StructType.fromSchema({
        name: 'Dup',
        packed: false,
        fields: [
          ['a', 'u8'],
          ['a', 'u32'],
        ],
      }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /struct Dup: duplicate field name "a"/,
  ],
  [
    'non-identifier field name',
    () => struct({ 'a-b': 'u8' }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /name must be an identifier.*got "a-b"/,
  ],
  [
    'zero string capacity',
    () => string(0),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /capacity must be a positive integer, got 0/,
  ],
  [
    'bad string overflow',
    () => string(4, { overflow: 'drop' as 'error' }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /overflow must be 'error' or 'truncate', got "drop"/,
  ],
  [
    'zero padding',
    () => padding(0),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /byteLength must be a positive integer, got 0/,
  ],
  [
    'padding as element',
    () => array(padding(2) as unknown as 'u8', 2),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /padding cannot be an array element/,
  ],
  [
    'packed not boolean',
    () => struct({ a: 'u8' }, { packed: 'yes' as unknown as boolean }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /packed must be a boolean, got "yes"/,
  ],
  [
    'unknown option',
    () => struct({ a: 'u8' }, { align: 8 } as object),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /unknown option "align"/,
  ],
  [
    'struct too large',
    () => struct({ a: array('f64', 2 ** 30) }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /more than the largest struct/,
  ],
  [
    'bad schema shape',
    () => StructType.fromSchema({ fields: 3 }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /schema must be \{ name: string, packed: boolean, union\?: true, endian\?: 'big', checked\?: true, fields/,
  ],
  // A lock is used only through Atomics, which a packed struct (alignment 1) cannot promise it.
  [
    'lock in a packed struct',
    () => struct({ a: 'u8', mu: lock() }, { name: 'P', packed: true }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    new RegExp(
      /struct P: P\.mu is a lock in a packed struct; a lock must sit at a multiple of 4 bytes for Atomics, /.source +
        /but it would land at offset 1\. /.source,
    ),
  ],
  [
    'lock first in a packed struct',
    () => struct({ mu: lock(), a: 'u8' }, { name: 'P', packed: true }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    new RegExp(
      /P\.mu is a lock in a packed struct; .* offset 0 of a record that, packed \(alignment 1\), /.source +
        /may itself start at any byte/.source,
    ),
  ],
  [
    'lock array in a packed struct',
    () => struct({ a: 'u16', mus: array(lock(), 2) }, { name: 'P', packed: true }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /P\.mus\.0 is a lock in a packed struct; .* would land at offset 2/,
  ],
  [
    'lock nested in a packed struct',
    () => struct({ a: 'u8', rec: Rec }, { name: 'P', packed: true }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /P\.rec\.mu is a lock in a packed struct; .* would land at offset 45/,
  ],
  [
    'packed lock from a schema',
    () =>
      StructType.fromSchema({
        name: 'Q',
        packed: true,
        fields: [
          ['a', 'u8'],
          ['mu', { lock: true }],
        ],
      }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /Q\.mu is a lock in a packed struct; .* offset 1/,
  ],
  [
    'bad schema field',
    () => StructType.fromSchema({ name: 'B', packed: false, fields: [['a', { vector: 3 }]] }),
    StructSchemaError,
    'ERR_SABKIT_STRUCT_SCHEMA',
    /B\.a: unknown field type an object in schema/,
  ],
  // Places.
  [
    'negative StructArray length',
    () => new StructArray(Vec3, -3),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /length must be a non-negative integer, got -3 \(negative\)/,
  ],
  [
    'StructArray of a non-type',
    () => new StructArray({} as typeof Vec3, 2),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /type must be a struct type, got an object/,
  ],
  [
    'misaligned offset',
    () => Vec3.view(new ArrayBuffer(64), 4),
    InvalidRegionError,
    'ERR_SABKIT_INVALID_REGION',
    /byteOffset must be a multiple of the alignment 8, got 4/,
  ],
  [
    'misaligned array offset',
    () => Vec3.array(2, { buffer: new SharedArrayBuffer(80), byteOffset: 12 }),
    InvalidRegionError,
    'ERR_SABKIT_INVALID_REGION',
    /multiple of the alignment 8, got 12/,
  ],
  [
    'buffer too small',
    () => Vec3.view(new ArrayBuffer(16)),
    InvalidRegionError,
    'ERR_SABKIT_INVALID_REGION',
    /needs 24 bytes at byteOffset 0, but the buffer has only 16 bytes/,
  ],
  [
    'array past the end',
    () => Vec3.array(3, { buffer: new ArrayBuffer(64) }),
    InvalidRegionError,
    'ERR_SABKIT_INVALID_REGION',
    /needs 72 bytes at byteOffset 0, but the buffer has only 64/,
  ],
  [
    'negative offset',
    () => Vec3.view(new ArrayBuffer(64), -8),
    InvalidRegionError,
    'ERR_SABKIT_INVALID_REGION',
    /byteOffset must be a non-negative integer, got -8/,
  ],
  [
    'not a buffer',
    () => Vec3.view(new Uint8Array(64) as unknown as ArrayBuffer),
    InvalidRegionError,
    'ERR_SABKIT_INVALID_REGION',
    /buffer must be an ArrayBuffer, a SharedArrayBuffer or a WebAssembly\.Memory, got a Uint8Array/,
  ],
  [
    'lock in an ArrayBuffer',
    () => Rec.view(new ArrayBuffer(Rec.byteLength)).mu,
    InvalidRegionError,
    'ERR_SABKIT_INVALID_REGION',
    /Rec\.mu: a lock field needs a SharedArrayBuffer/,
  ],
  // Values.
  [
    'string over capacity',
    () => {
      Rec.create().name = 'much too long';
    },
    StructRangeError,
    'ERR_SABKIT_STRUCT_RANGE',
    /Rec\.name: "much too long" needs 13 bytes of UTF-8 but the field holds 8/,
  ],
  [
    'string with NUL',
    () => {
      Rec.create().name = 'a\0b';
    },
    StructRangeError,
    'ERR_SABKIT_STRUCT_RANGE',
    /cannot hold U\+0000/,
  ],
  [
    'string field given a number',
    () => {
      (Rec.create() as unknown as { name: unknown }).name = 5;
    },
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /Rec\.name must be a string, got 5/,
  ],
  [
    'too many array items',
    () => Rec.create({ tags: [1, 2, 3] }),
    StructRangeError,
    'ERR_SABKIT_STRUCT_RANGE',
    /Rec\.tags holds 2 elements, got 3/,
  ],
  [
    'unknown init field',
    () => Rec.create({ nope: 1 } as object),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /Rec has no field "nope" \(fields: id, name, pos, tags, mu\)/,
  ],
  [
    'wrong init type',
    () => Rec.create({ id: '7' as unknown as number }),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /Rec\.id is u32 and takes a number, got "7"/,
  ],
  [
    'init out of range (checked struct)',
    () => RecC.create({ id: 2 ** 32 }),
    StructRangeError,
    'ERR_SABKIT_STRUCT_RANGE',
    /RecC\.id is u32 and holds integers in \[0, 4294967295\], got 4294967296/,
  ],
  [
    'init not an integer (checked struct)',
    () => RecC.create({ tags: [1.5] }),
    StructRangeError,
    'ERR_SABKIT_STRUCT_RANGE',
    /RecC\.tags\[0\] is u8 and holds integers in \[0, 255\], got 1\.5/,
  ],
  [
    'lock init',
    () => Rec.create({ mu: 1 } as object),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /Rec\.mu is a lock, which takes no value/,
  ],
  [
    'nested init type',
    () => Rec.create({ pos: { x: 1n as unknown as number } }),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /Rec\.pos\.x is f64 and takes a number, got 1n/,
  ],
  [
    'index out of range',
    () => Vec3.array(2).get(2),
    IndexError,
    'ERR_SABKIT_INDEX',
    /get\(i\): index 2 is not an integer in \[0, 2\)/,
  ],
  [
    'column index out of range',
    () => Vec3.array(2).column('x').get(-1),
    IndexError,
    'ERR_SABKIT_INDEX',
    /column "x": index -1 is not an integer in \[0, 2\)/,
  ],
  [
    'column of a struct',
    () => Rec.array(1).column('pos' as 'id'),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /"pos" is Vec3; a column is one scalar, string, bit-field or enum field \(e\.g\. "pos\.x"\)/,
  ],
  [
    'column of an unknown field',
    () => Rec.array(1).column('pos.w' as 'id'),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /Vec3 has no field "w" \(path "pos\.w"\)/,
  ],
  [
    'offsetOf past an array',
    () => Rec.offsetOf('tags.2'),
    IndexError,
    'ERR_SABKIT_INDEX',
    /index "2" in path "tags\.2" is not an integer in \[0, 2\)/,
  ],
  // Atomics.
  [
    'atomic on a float',
    () => atomics.add(Vec3.create() as never, 'x' as never, 1 as never),
    AtomicFieldError,
    'ERR_SABKIT_ATOMIC_FIELD',
    /atomics\.add\(Vec3\.x\): the field is f64; atomic operations need a little-endian integer field/,
  ],
  [
    'atomic on a misaligned field',
    () => atomics.add(Tight.create(), 'n', 1),
    AtomicFieldError,
    'ERR_SABKIT_ATOMIC_FIELD',
    new RegExp(
      /atomics\.add\(Tight\.n\): the field is at byte 1 of its buffer, not a multiple of its size 4 /.source +
        /\(a packed struct left it misaligned\)/.source,
    ),
  ],
  // Integer fields of packed structs stay legal data (the schema is accepted); atomics refuse them
  // per call, where the offset is known.
  [
    'atomic on a packed field of a later record',
    () => atomics.add(struct({ n: 'i32', a: 'u8' }, { name: 'P5', packed: true }).array(2).get(1), 'n', 1),
    AtomicFieldError,
    'ERR_SABKIT_ATOMIC_FIELD',
    /atomics\.add\(P5\.n\): the field is at byte 5 of its buffer, not a multiple of its size 4/,
  ],
  [
    'atomic on an unknown field',
    () => atomics.load(Rec.create(), 'nope' as 'id'),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /Rec has no field "nope"/,
  ],
  [
    'atomic on a non-struct',
    () => atomics.load({} as never, 'id' as never),
    InvalidArgumentError,
    'ERR_SABKIT_INVALID_ARGUMENT',
    /target must be a struct record, got an object/,
  ],
  // Revival.
  [
    'from a different type',
    () => Vec3.from(structuredClone(Rec.create())),
    ReviveError,
    'ERR_SABKIT_REVIVE',
    /Vec3\.from\(value\): the value is a serialised struct Rec/,
  ],
  [
    'from a non-descriptor',
    () => Vec3.from({ x: 1 }),
    ReviveError,
    'ERR_SABKIT_REVIVE',
    /value must be a Vec3 record or its structured clone/,
  ],
  [
    'arrayFrom a different type',
    () => Vec3.arrayFrom(structuredClone(Rec.array(2))),
    ReviveError,
    'ERR_SABKIT_REVIVE',
    /Vec3\.arrayFrom\(value\): the value is a serialised struct Rec/,
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

test('a rejected value leaves memory as it was', { timeout: 5_000 }, () => {
  const r = Rec.create({ id: 1, name: 'keep', tags: [9, 9] });
  const before = new Uint8Array(addressOf(r).buffer).slice();
  // Valid fields first, a bad one last: nothing may be written.
  assert.throws(() => Rec.assign(r, { id: 2, tags: [1], name: 'x'.repeat(9) }), StructRangeError);
  assert.throws(() => Rec.assign(r, { id: 2, pos: { x: 1, y: 'no' as unknown as number } }), InvalidArgumentError);
  assert.throws(() => {
    r.pos = { x: 5, q: 1 } as never;
  }, InvalidArgumentError);
  const arr = Rec.array(2);
  const arrBefore = new Uint8Array(arr.buffer).slice();
  assert.throws(() => arr.assignAll([{ id: 1 }, { name: 'x'.repeat(20) }]), StructRangeError);
  assert.deepEqual(new Uint8Array(arr.buffer), arrBefore);
  assert.throws(() => arr.column('name').fill('y'.repeat(9)), StructRangeError);
  assert.deepEqual(new Uint8Array(arr.buffer), arrBefore);
  const labels = struct({ l: array(string(3), 3) }, { name: 'L' }).create({ l: ['a', 'b', 'c'] });
  assert.throws(() => labels.l.set(['x', 'toolong']), StructRangeError);
  assert.deepEqual([...labels.l], ['a', 'b', 'c']);
  assert.deepEqual(new Uint8Array(addressOf(r).buffer), before);
});
