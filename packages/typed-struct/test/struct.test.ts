// Struct instances and StructArrays over every kind of memory: ArrayBuffer, SharedArrayBuffer and
// WebAssembly.Memory (read and written by real wasm code), zero-copy views, columns, locks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressOf, array, lock, string, struct, StructArray, StructType } from '../src/index.js';

// The wasm API (no DOM/wasm type library in this project's compiler settings).
declare const WebAssembly: {
  Memory: new (d: {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }) => { readonly buffer: ArrayBuffer | SharedArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
};

const Vec3 = struct({ x: 'f64', y: 'f64', z: 'f64' }, { name: 'Vec3' });
const S = struct({ x: 'f64', y: 'f64', z: 'f64', id: 'u32' }, { name: 'S' });
const Particle = struct(
  { pos: Vec3, vel: Vec3, id: 'u32', alive: 'bool', tags: array('u8', 4), name: string(12) },
  { name: 'Particle' },
);

// A hand-assembled wasm module importing its memory as env.mem and exporting
//   getY(ptr: i32): f64       = f64.load offset=8  (S.y)
//   setId(ptr: i32, v: i32)   = i32.store offset=24 (S.id)
function wasmModule(shared: boolean): Uint8Array {
  const limits = shared ? [0x03, 0x01, 0x02] : [0x00, 0x01];
  const imports = [0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, ...limits];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    0x01,
    0x0b,
    0x02,
    0x60,
    0x01,
    0x7f,
    0x01,
    0x7c,
    0x60,
    0x02,
    0x7f,
    0x7f,
    0x00, // types
    0x02,
    imports.length,
    ...imports, // import env.mem
    0x03,
    0x03,
    0x02,
    0x00,
    0x01, // functions
    0x07,
    0x10,
    0x02,
    0x04,
    0x67,
    0x65,
    0x74,
    0x59,
    0x00,
    0x00,
    0x05,
    0x73,
    0x65,
    0x74,
    0x49,
    0x64,
    0x00,
    0x01, // exports
    0x0a,
    0x13,
    0x02,
    0x07,
    0x00,
    0x20,
    0x00,
    0x2b,
    0x03,
    0x08,
    0x0b,
    0x09,
    0x00,
    0x20,
    0x00,
    0x20,
    0x01,
    0x36,
    0x02,
    0x18,
    0x0b, // code
  ]);
}

test('a struct in WebAssembly memory is the one wasm code reads and writes (shared and not)', {
  timeout: 10_000,
}, () => {
  for (const shared of [false, true]) {
    const mem = new WebAssembly.Memory(shared ? { initial: 1, maximum: 2, shared: true } : { initial: 1 });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(wasmModule(shared)), { env: { mem } });
    const { getY, setId } = inst.exports as { getY(p: number): number; setId(p: number, v: number): void };
    const s = S.view(mem, 64);
    assert.equal(addressOf(s).buffer instanceof SharedArrayBuffer, shared);
    s.y = -1.25;
    assert.equal(getY(64), -1.25);
    setId(64, 0x7fff0001);
    assert.equal(s.id, 0x7fff0001);
    // A StructArray over the same memory: record 1 at 64 + 32.
    const arr = S.array(2, { buffer: mem, byteOffset: 64 });
    arr.get(1).y = 9.5;
    assert.equal(getY(64 + S.byteLength), 9.5);
    assert.equal(arr.column('id').get(0), 0x7fff0001);
    if (shared) {
      // Growing shared memory keeps the old SharedArrayBuffer valid for its old length.
      mem.grow(1);
      assert.equal(s.y, -1.25);
      assert.equal(S.view(mem, 65536 + 64).id, 0);
    }
  }
});

test('views over ArrayBuffer and SharedArrayBuffer write the C layout', { timeout: 10_000 }, () => {
  for (const buffer of [new ArrayBuffer(256), new SharedArrayBuffer(256)]) {
    const p = Particle.view(buffer, 8);
    p.pos.y = 2;
    p.vel.z = -3;
    p.id = 77;
    p.alive = true;
    p.tags[3] = 200;
    p.name = 'π≈3.14';
    const dv = new DataView(buffer);
    assert.equal(dv.getFloat64(8 + Particle.offsetOf('pos.y'), true), 2);
    assert.equal(dv.getFloat64(8 + Particle.offsetOf('vel.z'), true), -3);
    assert.equal(dv.getUint32(8 + Particle.offsetOf('id'), true), 77);
    assert.equal(dv.getUint8(8 + Particle.offsetOf('alive')), 1);
    assert.equal(dv.getUint8(8 + Particle.offsetOf('tags.3')), 200);
    assert.equal(Buffer.from(buffer, 8 + Particle.offsetOf('name'), 9).toString('utf8'), 'π≈3.14');
    // A second view of the same place sees the same data; views never copy.
    assert.deepEqual(Particle.toObject(Particle.view(buffer, 8)), Particle.toObject(p));
  }
});

test('nested views and array fields are made once per record (no allocation per access)', { timeout: 10_000 }, () => {
  const p = Particle.create();
  assert.equal(p.pos, p.pos);
  assert.equal(p.tags, p.tags);
  assert.ok(
    p.tags instanceof Uint8Array &&
      p.tags.buffer === addressOf(p).buffer &&
      p.tags.byteOffset === Particle.offsetOf('tags'),
  );
  assert.ok(Vec3.is(p.pos) && !Vec3.is(p) && Particle.is(p));
  assert.equal(addressOf(p.pos).byteOffset, addressOf(p).byteOffset + Particle.offsetOf('pos'));
  // Own enumerable properties are only the sharing protocol, under names no field can have; fields
  // live on the prototype.
  assert.deepEqual(Object.keys(p), ['@sabkit', '@buffer', '@byteOffset', '@schema']);
  assert.ok('pos' in p && 'name' in p);
});

test('StructArray: element views, iteration, subarray, plain copies', { timeout: 10_000 }, () => {
  const arr = new StructArray(Particle, 5);
  assert.equal(arr.byteLength, 5 * Particle.byteLength);
  assert.equal(arr.stride, Particle.byteLength);
  arr.assignAll([{ id: 1 }, { id: 2, name: 'two' }]);
  arr.set(4, { id: 5, pos: { x: 0.5 } });
  arr.get(2).id = 3;
  arr.at(-2)!.id = 4;
  assert.equal(arr.at(5), undefined);
  assert.deepEqual(
    [...arr].map((p) => p.id),
    [1, 2, 3, 4, 5],
  );
  const seen: number[] = [];
  arr.forEach((p, i) => seen.push(p.id * 10 + i));
  assert.deepEqual(seen, [10, 21, 32, 43, 54]);
  const mid = arr.subarray(1, 3);
  assert.equal(mid.length, 2);
  mid.get(0).alive = true;
  assert.equal(arr.get(1).alive, true);
  assert.equal(mid.byteOffset, Particle.byteLength);
  assert.equal(arr.subarray(-1).get(0).pos.x, 0.5);
  assert.equal(arr.toJSON()[1].name, 'two');
  assert.equal(new StructArray(Particle, 0).length, 0);
  assert.deepEqual([...Particle.array(0)], []);
});

test('columns: strided typed arrays, dense single-field columns, bools, strings, packed', { timeout: 10_000 }, () => {
  const arr = Particle.array(4);
  const px = arr.column('pos.x');
  assert.ok(px.data instanceof Float64Array);
  assert.equal(px.stride, Particle.byteLength / 8);
  assert.equal(px.start, Particle.offsetOf('pos.x') / 8);
  for (let i = 0; i < px.length; i++) px.set(i, i * 1.5);
  assert.deepEqual(
    arr.toJSON().map((p) => p.pos.x),
    [0, 1.5, 3, 4.5],
  );
  // The raw strided loop a hot path would write.
  const { data, start, stride } = px;
  let sum = 0;
  for (let i = 0; i < px.length; i++) sum += data![start + i * stride];
  assert.equal(sum, 9);
  assert.equal(px.dense, undefined, 'not contiguous');
  arr.column('tags.2').fill(7);
  assert.deepEqual(
    arr.toJSON().map((p) => p.tags[2]),
    [7, 7, 7, 7],
  );
  arr.column('alive').set(3, true);
  assert.deepEqual(arr.column('alive').toArray(), [false, false, false, true]);
  arr.column('name').set(1, 'b');
  assert.deepEqual([...arr.column('name')], ['', 'b', '', '']);
  assert.equal(arr.column('name').data, undefined);

  // One field: the column is a plain typed array over the records.
  const One = struct({ v: 'f32' }, { name: 'One' });
  const ones = One.array(6);
  const dense = ones.column('v').dense!;
  assert.ok(dense instanceof Float32Array && dense.length === 6);
  dense.set([1, 2, 3, 4, 5, 6]);
  assert.deepEqual(
    ones.toJSON().map((o) => o.v),
    [1, 2, 3, 4, 5, 6],
  );

  // Packed: misaligned, so get/set go through the DataView.
  const P = struct({ tag: 'u8', v: 'f64' }, { name: 'P', packed: true });
  const ps = P.array(3);
  const col = ps.column('v');
  assert.equal(col.data, undefined);
  col.set(2, 6.25);
  assert.equal(ps.get(2).v, 6.25);
  assert.equal(new DataView(ps.buffer).getFloat64(2 * 9 + 1, true), 6.25);
});

test("lock fields: a Lock per record, in the record's memory", { timeout: 10_000 }, () => {
  const Account = struct({ mu: lock(), balance: 'f64' }, { name: 'Account' });
  const accts = Account.array(2);
  const a = accts.get(0);
  const b = accts.get(1);
  assert.equal(a.mu.byteOffset, accts.byteOffset + Account.offsetOf('mu'));
  a.mu.withLock(() => {
    assert.equal(a.mu.locked(), true);
    assert.equal(b.mu.locked(), false);
    assert.equal(accts.get(0).mu.tryAcquire(), false, 'another view of the same record sees the same lock');
    a.balance += 10;
  });
  assert.equal(a.mu.locked(), false);
  assert.equal(a.balance, 10);
});

test('types rebuilt from a schema are the same type and read the same memory', { timeout: 10_000 }, () => {
  const schema = structuredClone(Particle.toSchema());
  assert.equal(StructType.fromSchema(schema), Particle);
  // A schema no type has been made from yet builds a new type, once.
  const fresh = {
    name: 'Fresh',
    packed: false,
    fields: [
      ['a', 'u16'],
      ['b', { array: { struct: Vec3.toSchema() }, length: 2 }],
      ['s', { string: 3, overflow: 'truncate' }],
    ],
  };
  const F1 = StructType.fromSchema(fresh);
  assert.equal(StructType.fromSchema(structuredClone(fresh)), F1);
  assert.equal(F1.byteLength, 64); // u16 @0, Vec3[2] @8 (48 bytes), char[3] @56, tail padding to 64
  const r = F1.create() as unknown as { s: string; b: readonly { x: number }[] };
  r.s = 'abcd';
  assert.equal(r.s, 'abc');
  r.b[1].x = 3;
  assert.equal(new DataView(addressOf(r as never).buffer as ArrayBuffer).getFloat64(8 + 24, true), 3);
});

test('a growable SharedArrayBuffer: views fit its current length and follow it as it grows', {
  timeout: 10_000,
}, () => {
  const sab = new SharedArrayBuffer(Vec3.byteLength, { maxByteLength: Vec3.byteLength * 4 });
  const a = Vec3.view(sab, 0);
  a.z = 1;
  assert.throws(() => Vec3.view(sab, Vec3.byteLength), { code: 'ERR_SABKIT_INVALID_REGION' });
  sab.grow(Vec3.byteLength * 2);
  const b = Vec3.view(sab, Vec3.byteLength);
  b.y = 2; // the buffer's shared typed arrays track its length
  assert.equal(new Float64Array(sab)[4], 2);
  assert.equal(a.z, 1);
  assert.equal(Vec3.array(2, { buffer: sab }).column('y').get(1), 2);
});
