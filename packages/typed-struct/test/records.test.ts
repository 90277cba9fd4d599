// Records behave like C structs: closed (assigning a field that does not exist throws), any
// identifier is a field name, one overflow rule for every store, JSON with 64-bit fields, element
// views of arrays that are fresh objects even where V8 removes them, and the same behaviour with
// generated accessors and with the closures used where code generation is forbidden (CSP).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { once } from 'node:events';
import { InvalidArgumentError, revive } from '@sabkit/atomics-sync';
import { setCodegen } from '../src/codegen.js';
import {
  StructFieldError,
  StructRangeError,
  addressOf,
  array,
  be,
  bits,
  bytes,
  enumType,
  flexible,
  lock,
  string,
  struct,
  typeOf,
  union,
} from '../src/index.js';

/** Types defined with generated accessors, then again (same fields, other names) with closures. */
function bothModes<T>(make: (suffix: string) => T): [string, T][] {
  const generated = make('G');
  setCodegen(false);
  try {
    return [
      ['generated', generated],
      ['closures', make('C')],
    ];
  } finally {
    setCodegen(true);
  }
}

test('any identifier is a field name, and such records travel and revive', { timeout: 10_000 }, async () => {
  for (const [mode, C] of bothModes((s) =>
    struct(
      {
        buffer: bytes(8),
        byteOffset: 'u32',
        toJSON: 'u8',
        // biome-ignore lint/suspicious/noThenProperty: the point: a C field may be called `then`
        then: 'u8',
        constructor: 'i16',
        ['__proto__']: 'u8', // computed: a plain `__proto__: x` in a literal sets the prototype
        __sabkit: 'u8',
        __schema: 'u8',
        hasOwnProperty: 'u8',
        length: 'f64',
      },
      { name: `CNames${s}` },
    ),
  )) {
    const r = C.create({
      byteOffset: 7,
      // biome-ignore lint/suspicious/noThenProperty: the field of that name
      then: 2,
      constructor: -3,
      __sabkit: 9,
      length: 1.5,
      hasOwnProperty: 4,
    } as never);
    r.buffer.set([1, 0, 2]);
    // biome-ignore lint/suspicious/noProto: the field of that name, not the prototype
    r.__proto__ = 5;
    r.toJSON = 6;
    assert.deepEqual([...r.buffer.slice(0, 3)], [1, 0, 2], mode);
    // biome-ignore lint/suspicious/noProto: the field of that name
    assert.equal(r.__proto__, 5, mode);
    assert.equal(Object.getPrototypeOf(r) !== null, true, mode);
    assert.deepEqual([r.byteOffset, r.toJSON, r.then, r.constructor, r.__sabkit, r.length], [7, 6, 2, -3, 9, 1.5]);
    // `then` is a number, not a function: awaiting the record gives the record.
    assert.equal(await Promise.resolve(r), r, mode);
    const plain = C.toObject(r);
    assert.equal(Object.hasOwn(plain, '__proto__') && Object.getOwnPropertyDescriptor(plain, '__proto__')?.value, 5);
    assert.equal(JSON.parse(JSON.stringify(plain)).constructor, -3, mode);
    // Through a real port (structured clone) and back to life with atomics-sync's revive.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage({ r });
    const [msg] = (await once(port2, 'message')) as [{ r: unknown }];
    port1.close();
    const back = revive(msg).r as typeof r;
    assert.ok(C.is(back), mode);
    back.byteOffset = 8;
    assert.equal(r.byteOffset, 8, 'the clone shares the memory');
    back.byteOffset = 7;
    assert.deepEqual([back.byteOffset, back.__sabkit, back.buffer[2]], [7, 9, 2], mode);
    assert.equal(C.from(structuredClone(r)).constructor, -3, mode);
    assert.equal(typeOf(r), C);
  }
});

test('records are closed: assigning an unknown name throws and nothing travels', { timeout: 10_000 }, () => {
  for (const [mode, P] of bothModes((s) => struct({ x: 'f64', id: 'u32', mu: lock() }, { name: `Closed${s}` }))) {
    const p = P.create({ x: 1 });
    const keys = Object.keys(p);
    for (const name of ['typo', 'toString', 'valueOf', 'X']) {
      assert.throws(
        () => {
          (p as unknown as Record<string, number>)[name] = 1;
        },
        (e: unknown) => e instanceof StructFieldError && e.code === 'ERR_SABKIT_STRUCT_FIELD',
        `${mode}: ${name}`,
      );
    }
    assert.throws(() => {
      (p as unknown as { mu: unknown }).mu = null;
    }, StructFieldError);
    assert.deepEqual(Object.keys(p), keys);
    assert.equal('typo' in p, false);
    assert.equal(Object.hasOwn(structuredClone(p), 'typo'), false);
    // Symbols are not fields: frameworks may tag records with them.
    const tag = Symbol('tag');
    (p as unknown as Record<symbol, number>)[tag] = 1;
    assert.equal((p as unknown as Record<symbol, number>)[tag], 1);
    assert.equal(String(p), '[object Object]', 'Object.prototype still reads');
  }
});

test('an out-of-range element write on a non-aligned array is ignored, as typed arrays do', { timeout: 5_000 }, () => {
  const T = struct({ flags: array('bool', 3), p: array('f64', 2), names: array(string(4), 2) }, { name: 'Oob' });
  const Packed = struct({ a: 'u8', v: array('u32', 2) }, { name: 'OobPacked', packed: true });
  const r = T.create();
  const q = Packed.create();
  for (const a of [r.flags, r.names, q.v] as unknown as Record<number, unknown>[]) {
    a[5] = a === r.names ? 'x' : 1;
    a[-1] = 1;
    assert.equal(a[5], undefined);
    assert.equal(Object.hasOwn(a, 5), false);
  }
  const typed = new Float64Array(2) as unknown as Record<number, unknown>;
  typed[5] = 1;
  assert.equal(typed[5], undefined, 'the behaviour copied');
  assert.deepEqual(T.toObject(r).flags, [false, false, false]);
});

test('JSON of records with 64-bit fields: decimal strings', { timeout: 5_000 }, () => {
  const T = struct({ i: 'i64', u: 'u64', w: array('i64', 2), b: bits('u64', 40), d: 'f64' }, { name: 'Json64' });
  const r = T.create({ i: -5n, u: 2n ** 64n - 1n, w: [1n, -(2n ** 63n)], b: 2n ** 39n, d: 0.5 });
  const json = JSON.parse(JSON.stringify({ r, all: T.array(1) }));
  assert.deepEqual(json.r, {
    i: '-5',
    u: '18446744073709551615',
    w: ['1', '-9223372036854775808'],
    b: '549755813888',
    d: 0.5,
  });
  assert.deepEqual(json.all, [{ i: '0', u: '0', w: ['0', '0'], b: '0', d: 0 }]);
  assert.equal(T.toObject(r).u, 2n ** 64n - 1n, 'toObject keeps bigint');
  assert.equal(T.create({ i: BigInt(json.r.i) }).i, -5n, 'and the strings read back with BigInt()');
});

test('one overflow rule: C wraps (setters and init alike), a checked struct refuses', { timeout: 5_000 }, () => {
  const Wrap = struct({ u8: 'u8', i32: 'i32', f: 'f64', big: 'i64', b: 'bool' }, { name: 'Wrap' });
  const w = Wrap.create({ u8: 300, i32: 2 ** 31 });
  assert.deepEqual([w.u8, w.i32], [44, -(2 ** 31)], 'init wraps as the setters do');
  w.u8 = -1;
  w.i32 = 1.9;
  assert.deepEqual([w.u8, w.i32], [255, 1]);
  for (const [k, v] of [
    ['f', 'abc'],
    ['big', 5],
    ['u8', '1'],
    ['b', 1],
  ] as const) {
    assert.throws(() => Object.assign(w, { [k]: v }), InvalidArgumentError, `${k} = ${String(v)}`);
    assert.throws(() => Wrap.create({ [k]: v } as never), InvalidArgumentError);
  }
  const Checked = struct(
    { u8: 'u8', i32: 'i32', f32: 'f32', e: enumType({ a: 1 }), k: bits('u8', 3) },
    {
      name: 'Checked',
      checked: true,
    },
  );
  const c = Checked.create({ u8: 255 });
  const before = Buffer.from(new Uint8Array(addressOf(c).buffer)).toString('hex');
  for (const [k, v] of [
    ['u8', 300],
    ['u8', -1],
    ['i32', 1.5],
    ['f32', 1e39],
    ['k', 8],
  ] as const) {
    assert.throws(() => Object.assign(c, { [k]: v }), StructRangeError, `${k} = ${v}`);
    assert.throws(() => Checked.create({ [k]: v }), StructRangeError);
  }
  assert.throws(() => Object.assign(c, { e: 2 }), InvalidArgumentError, 'a checked enum takes its values only');
  assert.equal(Buffer.from(new Uint8Array(addressOf(c).buffer)).toString('hex'), before, 'nothing written');
  c.f32 = Number.POSITIVE_INFINITY;
  assert.equal(c.f32, Number.POSITIVE_INFINITY);
});

test('element views of StructArrays are fresh records; iteration and writes reach every one', {
  timeout: 10_000,
}, () => {
  for (const [mode, P] of bothModes((s) => struct({ x: 'f64', y: 'f64', id: 'u32' }, { name: `Pt${s}` }))) {
    const arr = P.array(50);
    for (let i = 0; i < arr.length; i++) arr.get(i).id = i;
    const a = arr.get(3);
    const b = arr.get(4);
    assert.notEqual(a, b, mode);
    assert.deepEqual([a.id, b.id], [3, 4], 'no view is re-pointed under another');
    const all = [...arr];
    assert.deepEqual(
      all.map((p) => p.id),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(new Set(all).size, 50, 'spread gives 50 distinct records');
    let n = 0;
    for (const p of arr.subarray(10, 20)) {
      p.y = p.id * 2;
      n++;
    }
    assert.equal(n, 10);
    assert.deepEqual(arr.column('y').toArray().slice(9, 21), [
      0,
      ...Array.from({ length: 10 }, (_, i) => (10 + i) * 2),
      0,
    ]);
    assert.equal(arr.at(-1)!.id, 49);
    assert.equal(arr.at(50), undefined);
    const seen: number[] = [];
    arr.forEach((p, i) => seen.push(p.id - i));
    assert.deepEqual(new Set(seen), new Set([0]));
    assert.ok(arr instanceof P.array(1).constructor && arr.type === P);
    assert.equal(arr.constructor.name, 'StructArray', 'the per-type subclass keeps the name');
  }
});

test('unions, enums, bit-fields, bytes, flexible arrays and big-endian fields at run time', { timeout: 10_000 }, () => {
  const Word = union({ i: 'u32', f: 'f32', b: array('u8', 4) }, { name: 'RWord' });
  const w = Word.create({ f: 1 });
  assert.equal(w.i, 0x3f800000);
  assert.deepEqual([...w.b], [0, 0, 0x80, 0x3f]);
  assert.equal(Word.byteLength, 4);

  const Color = enumType({ red: 0, green: 1, blue: 2 }, { type: 'u8' });
  const E = struct(
    { c: Color, v: enumType({ a: 10, b: 20 }, { read: 'value' }), cs: array(Color, 2) },
    { name: 'REnum' },
  );
  const e = E.create({ c: 'blue', v: 'b', cs: ['green', 0] });
  assert.deepEqual([e.c, e.v, [...e.cs]], ['blue', 20, ['green', 'red']]);
  new Uint8Array(addressOf(e).buffer)[0] = 7;
  assert.equal(e.c, 7, 'a value without a name reads as its number');
  e.c = 1;
  assert.equal(e.c, 'green');
  assert.deepEqual(E.array(2).column('c').toArray(), ['red', 'red']);

  const B = struct({ lo: bits('u8', 4), hi: bits('i8', 4), flag: bits('bool', 1) }, { name: 'RBits' });
  const x = B.create({ lo: 15, hi: -8, flag: true });
  assert.deepEqual(new Uint8Array(addressOf(x).buffer), new Uint8Array([0x8f, 1]));
  x.lo = 17; // wraps to 1, as C does
  x.hi = 7;
  assert.deepEqual([x.lo, x.hi, x.flag], [1, 7, true]);
  const bcol = B.array(3).column('hi');
  bcol.set(1, -1);
  assert.deepEqual(bcol.toArray(), [0, -1, 0]);

  const Msg = struct({ len: 'u16', body: bytes(6) }, { name: 'RBytes' });
  const m = Msg.create({ len: 3, body: [0, 255, 0] });
  assert.ok(m.body instanceof Uint8Array && m.body.length === 6);
  assert.deepEqual([...m.body], [0, 255, 0, 0, 0, 0], 'NULs are bytes like any other');
  m.body = new Uint8Array([9]);
  assert.deepEqual([...m.body], [9, 0, 0, 0, 0, 0], 'whole-field assignment zero-fills the rest');
  assert.throws(() => {
    m.body = new Uint8Array(7);
  }, StructRangeError);

  const Packet = struct({ n: 'u32', samples: flexible('f64') }, { name: 'RFlex' });
  assert.deepEqual([Packet.byteLength, Packet.offsetOf('samples')], [8, 8]);
  const p = Packet.create({ n: 3, samples: [1, 2, 3] });
  assert.ok(p.samples instanceof Float64Array);
  assert.deepEqual([...p.samples], [1, 2, 3]);
  assert.equal(Packet.create({}, 10).samples.length, 10);
  const over = Packet.view(new ArrayBuffer(8 + 5 * 8));
  assert.equal(over.samples.length, 5, 'over memory: to its end');
  const mem = new ArrayBuffer(8 + 5 * 8);
  const counted = Packet.view(mem, 0, 3);
  assert.equal(counted.samples.length, 3, 'or as many as the caller says (C: a count field)');
  counted.samples[2] = 4.5;
  assert.equal(Packet.view(mem).samples[2], 4.5, 'same memory');
  assert.throws(() => Packet.view(mem, 0, 6), /flexibleLength must be an integer in \[0, 5\]/);
  assert.throws(() => Word.view(new ArrayBuffer(4), 0, 1), /RWord has no flexible array member/);
  assert.throws(() => Packet.create({ samples: [1, 2] }, 1), StructRangeError);

  const Header = struct({ magic: 'u32', len: 'u16', id: be('u32') }, { name: 'RNet', endian: 'big' });
  const h = Header.create({ magic: 0xcafebabe, len: 0x0102, id: 0x0a0b0c0d });
  const raw = Buffer.from(new Uint8Array(addressOf(h).buffer)).toString('hex');
  assert.equal(raw, 'cafebabe0102' + '0000' + '0a0b0c0d', 'network byte order, C padding');
  assert.equal(h.magic, 0xcafebabe);
  const Empty = struct({}, { name: 'REmpty' });
  assert.deepEqual([Empty.byteLength, Empty.alignment, Object.keys(Empty.toObject(Empty.create()))], [0, 1, []]);
});
