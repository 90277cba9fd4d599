// Compile-time checks of the types inferred from a schema. The assignments below must type-check
// without casts, and every line under `// @ts-expect-error` must fail to compile (tsc reports an
// unused directive otherwise), so `tsc -p tsconfig.test.json` is this test's real assertion. The
// runtime part checks that the values behind those types are what the types say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lock } from '@sabkit/atomics-sync';
import {
  addressOf,
  array,
  be,
  bits,
  bytes,
  enumType,
  flexible,
  union,
  atomics,
  lock,
  padding,
  string,
  struct,
  type StructArray,
  type Column,
  type FieldsOfType,
  type InstanceOf,
  type Plain,
  type ScalarArray,
} from '../src/index.js';

const Vec3 = struct({ x: 'f64', y: 'f64', z: 'f64' }, { name: 'Vec3' });
const Particle = struct(
  {
    pos: Vec3,
    id: 'u32',
    big: 'u64',
    delta: 'i64',
    small: 'i8',
    mass: 'f32',
    alive: 'bool',
    name: string(8),
    tags: array('u8', 4),
    flags: array('bool', 2),
    labels: array(string(4), 2),
    verts: array(Vec3, 2),
    grid: array(array('f32', 3), 2),
    mu: lock(),
    _pad: padding(3),
  },
  { name: 'Particle' },
);

type P = InstanceOf<typeof Particle>;
type PF = FieldsOfType<typeof Particle>;

function compileOnly(p: P, arr: StructArray<PF>): void {
  // Reads: each field has the type its schema says.
  const x: number = p.pos.x;
  const id: number = p.id;
  const big: bigint = p.big;
  const delta: bigint = p.delta;
  const mass: number = p.mass;
  const alive: boolean = p.alive;
  const name: string = p.name;
  const tag: number = p.tags[0];
  const flag: boolean = p.flags[1];
  const label: string = p.labels[0];
  const vy: number = p.verts[1].y;
  const cell: number = p.grid[1][2];
  const mu: Lock = p.mu;
  const tags: ScalarArray<number> = p.tags;
  void [x, id, big, delta, mass, alive, name, tag, flag, label, vy, cell, mu, tags];
  // Writes.
  p.id = 3;
  p.big = 5n;
  p.alive = true;
  p.name = 'abc';
  p.tags[2] = 7;
  p.flags[0] = false;
  p.pos = p.verts[0]; // C struct assignment: copies
  p.tags.set([1, 2]);
  // @ts-expect-error a u64 field takes a bigint
  p.big = 5;
  // @ts-expect-error an f64 field takes a number
  p.pos.x = 'one';
  // @ts-expect-error a bool field takes a boolean
  p.alive = 1;
  // @ts-expect-error a plain object is not a Vec3 record (use Vec3.assign(p.pos, { x: 1 }))
  p.pos = { x: 1, y: 2, z: 3 };
  // @ts-expect-error a lock field is read-only
  p.mu = p.mu;
  // @ts-expect-error padding has no property
  void p._pad;
  // @ts-expect-error no such field
  void p.nope;
  // @ts-expect-error string elements are strings
  p.labels[0] = 1;

  // Atomics: integer fields only, bigint for 64-bit ones.
  const old: number = atomics.add(p, 'id', 1);
  const oldBig: bigint = atomics.add(p, 'big', 1n);
  atomics.compareExchange(p, 'small', 0, 1);
  void [old, oldBig];
  // @ts-expect-error f64 fields take no atomic operations
  atomics.add(p.pos, 'x', 1);
  // @ts-expect-error bool fields take no atomic operations
  atomics.or(p, 'alive', 1);
  // @ts-expect-error a u64 field takes a bigint
  atomics.add(p, 'big', 1);
  // @ts-expect-error an i32-sized field takes a number
  atomics.add(p, 'id', 1n);

  // Columns: leaf paths, typed by the leaf.
  const cx: Column<number> = arr.column('pos.x');
  const cv: Column<number> = arr.column('verts.1.z');
  const ct: Column<number> = arr.column('tags.3');
  const cn: Column<string> = arr.column('name');
  const cb: Column<bigint> = arr.column('big');
  const cf: Column<boolean> = arr.column('flags.0');
  const cg: Column<number> = arr.column('grid.1.2');
  void [cx, cv, ct, cn, cb, cf, cg];
  // @ts-expect-error a struct is not a leaf
  arr.column('pos');
  // @ts-expect-error no such field
  arr.column('pos.w');
  // @ts-expect-error padding is not a column
  arr.column('_pad');

  // Records from an array are the same instance type.
  const first: P | undefined = arr.at(0);
  void first;

  // Init and plain copies.
  Particle.create({ pos: { x: 1 }, tags: [1, 2], big: 1n, labels: ['a'], verts: [{ y: 2 }] });
  // @ts-expect-error id takes a number
  Particle.create({ id: 'x' });
  // @ts-expect-error locks take no init value
  Particle.create({ mu: 1 });
  const plain: Plain<PF> = Particle.toObject(p);
  const px: number = plain.pos.x;
  const pt: number[] = plain.tags;
  void [px, pt];
  // @ts-expect-error locks are not data
  void plain.mu;
}
void compileOnly;

// Typed arrays are ScalarArrays: aligned numeric array fields are real typed arrays.
const asScalar: ScalarArray<number> = new Float64Array(3);
const asBig: ScalarArray<bigint> = new BigInt64Array(3);
void [asScalar, asBig];

test('the values behind the inferred types have those types', { timeout: 10_000 }, () => {
  const p = Particle.create({
    id: 7,
    big: 2n ** 60n,
    name: 'hi',
    tags: [1, 2, 3, 4],
    flags: [true],
    labels: ['ab', 'cd'],
    verts: [{ x: 1 }, { y: 2 }],
  });
  assert.equal(typeof p.pos.x, 'number');
  assert.equal(typeof p.big, 'bigint');
  assert.equal(typeof p.delta, 'bigint');
  assert.equal(typeof p.alive, 'boolean');
  assert.equal(typeof p.name, 'string');
  assert.ok(p.tags instanceof Uint8Array);
  assert.equal(p.flags[0], true);
  assert.equal(p.labels[1], 'cd');
  assert.equal(p.verts[1].y, 2);
  assert.ok(p.grid[1] instanceof Float32Array);
  assert.equal(p.mu.constructor.name, 'Lock');
  p.pos = p.verts[1];
  assert.deepEqual(Vec3.toObject(p.pos), { x: 0, y: 2, z: 0 });
  assert.notEqual(addressOf(p.pos).byteOffset, addressOf(p.verts[1]).byteOffset);
  assert.equal(atomics.add(p, 'big', 1n), 2n ** 60n);
  assert.equal(p.big, 2n ** 60n + 1n);
});

// C's other vocabulary, at the type level.
const Word = union({ i: 'u32', f: 'f32' }, { name: 'TWord' });
const Kinds = struct(
  {
    w: Word,
    color: enumType({ red: 0, green: 1 }, { type: 'u8' }),
    level: enumType({ low: 10, high: 20 }, { read: 'value' }),
    flags: bits('u32', 3),
    wide: bits('u64', 40),
    on: bits('bool', 1),
    gap: bits('u32', 0),
    raw: bytes(4),
    port: be('u16'),
    data: flexible('f64'),
  },
  { name: 'TKinds' },
);

function compileKinds(k: InstanceOf<typeof Kinds>): void {
  const i: number = k.w.i;
  const color: 'red' | 'green' | number = k.color;
  const level: 10 | 20 = k.level;
  const flags: number = k.flags;
  const wide: bigint = k.wide;
  const on: boolean = k.on;
  const raw: Uint8Array = k.raw;
  const port: number = k.port;
  const d: number = k.data[0];
  k.color = 'green';
  k.color = 1;
  k.flags = 7;
  k.wide = 1n;
  Kinds.create({ color: 'red', level: 'high', raw: [0, 1], data: [1, 2] });
  // @ts-expect-error an unnamed bit-field has no property
  void k.gap;
  // @ts-expect-error a 64-bit bit-field takes a bigint
  k.wide = 1;
  // @ts-expect-error a value-mode enum reads its values, not its names
  const bad: 'low' = k.level;
  // @ts-expect-error not one of the enum's names
  Kinds.create({ color: 'blue' });
  void [i, color, level, flags, wide, on, raw, port, d, bad];
}

test('C vocabulary types match their values', { timeout: 5_000 }, () => {
  void compileKinds;
  const k = Kinds.create({ color: 'green', level: 20, flags: 5, raw: [7], port: 80, data: [1.5] });
  assert.deepEqual([k.color, k.level, k.flags, k.raw[0], k.port, k.data[0]], ['green', 20, 5, 7, 80, 1.5]);
});
