// C's other vocabulary checked against the machine's C compiler (gcc or clang): unions, bit-fields
// (signed, unsigned, bool, straddling, `: 0`, unnamed, packed), enums, `char[n]` as bytes, trailing
// flexible array members, empty structs and big-endian fields (GCC's scalar_storage_order).
// Three checks per type, each against a compiled C program that knows only the declarations:
//  1. sizeof, _Alignof and offsetof (of every member that is not a bit-field);
//  2. writes: a zeroed record given the same values in C and here has the same bytes;
//  3. reads: bytes filled with one pattern read as the same value in every member.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addressOf,
  array,
  be,
  bits,
  bytes,
  enumType,
  flexible,
  struct,
  union,
  StructType,
  type FieldSpec,
  type FieldsSpec,
} from '../src/index.js';

type AnyType = StructType<FieldsSpec>;
const C_SCALAR: Record<string, string> = {
  i8: 'int8_t',
  u8: 'uint8_t',
  i16: 'int16_t',
  u16: 'uint16_t',
  i32: 'int32_t',
  u32: 'uint32_t',
  i64: 'int64_t',
  u64: 'uint64_t',
  f32: 'float',
  f64: 'double',
  bool: '_Bool',
};

// --- The table. Values for the write check are per type: field -> value.
const Bits = struct(
  {
    a: bits('u32', 3),
    b: bits('u32', 5),
    c: bits('u32', 30), // does not fit in the first u32 with a and b: starts at bit 32
    d: bits('i8', 3),
    z: bits('u16', 0), // C's `uint16_t : 0`: next u16 boundary
    e: bits('u16', 9),
    f: 'u8',
    g: bits('i64', 40),
    h: bits('bool', 1),
    k: bits('i32', 17),
  },
  { name: 'Bits' },
);
const BitsPacked = struct(
  { a: bits('u8', 3), z: bits('u32', 0), b: bits('u8', 7), c: bits('u16', 9), d: bits('i32', 20), e: 'u8' },
  { name: 'BitsPacked', packed: true },
);
const BitsUnnamed = struct(
  { a: 'u8', gap: bits('u64', 5, { unnamed: true }), b: bits('u32', 4), c: 'u16', w: bits('u64', 33) },
  { name: 'BitsUnnamed' },
);
const Word = union({ i: 'u32', f: 'f32', b: array('u8', 4), h: array('i16', 2) }, { name: 'Word' });
const Wide = union({ c: 'u8', d: 'f64', w: Word, s: array('u16', 5) }, { name: 'Wide' });
const Tagged = struct({ tag: 'u8', u: Wide, tail: 'u16', w: Word }, { name: 'Tagged' });
const Color = enumType({ red: 0, green: 5, blue: -3 });
const Small = enumType({ lo: 1, hi: 200 }, { type: 'u8' });
const Big = enumType({ a: 1, b: 3_000_000_000 });
const Enums = struct(
  { c: Color, s: Small, v: enumType({ x: 7, y: 9 }, { read: 'value' }), n: 'u8', b: Big },
  { name: 'Enums' },
);
const Bytes = struct({ n: 'u8', data: bytes(5), x: 'u32', tail: bytes(3) }, { name: 'Bytes' });
const Flex = struct({ n: 'u32', d: flexible('f64') }, { name: 'Flex' });
const FlexSmall = struct({ a: 'u8', s: flexible('u16') }, { name: 'FlexSmall' });
const Empty = struct({}, { name: 'Empty' });
const HoldsEmpty = struct({ a: 'u8', e: Empty, b: 'u8' }, { name: 'HoldsEmpty' });
const Net = struct({ a: 'u16', b: 'u32', c: 'f64', d: 'i64', e: 'i8', f: 'f32' }, { name: 'Net', endian: 'big' });
const MixedOrder = struct({ a: be('u32'), b: 'u32', c: be('i16'), d: be('f64') }, { name: 'MixedOrder' });

const TABLE = [Bits, BitsPacked, BitsUnnamed, Word, Wide, Tagged, Enums, Bytes, Flex, FlexSmall]
  .map((t) => t as unknown as AnyType)
  .concat([Empty, HoldsEmpty, Net, MixedOrder].map((t) => t as unknown as AnyType));

const WRITES: Record<string, Record<string, unknown>> = {
  Bits: { a: 5, b: 17, c: 0x2abcdef1, d: -3, e: 300, f: 0xa5, g: -0x7123456789n, h: true, k: -65536 },
  BitsPacked: { a: 6, b: 0x55, c: 0x1ff, d: -0x54321, e: 0x81 },
  BitsUnnamed: { a: 0x11, b: 9, c: 0xbeef, w: 0x1fedcba98n },
  Word: { f: -1.25 },
  Wide: { d: 6.02e23 },
  Tagged: { tag: 3, u: { s: [1, 2, 3, 4, 0xffff] }, tail: 0x1234, w: { i: 0xdeadbeef } },
  Enums: { c: 'blue', s: 'hi', v: 9, n: 1, b: 'b' },
  Bytes: { n: 2, data: [0, 1, 0, 255, 7], x: 0x01020304, tail: [0, 0, 9] },
  Net: { a: 0x1234, b: 0x89abcdef, c: -2.5, d: -0x123456789abn, e: -2, f: 3.5 },
  MixedOrder: { a: 0x01020304, b: 0x01020304, c: -2, d: 1.0000001 },
};

// --- C generation (declarations only: the compiler does the layout).
const declared = new Map<string, string>();
function enumName(spec: object): string {
  const key = JSON.stringify(spec);
  if (!declared.has(key)) declared.set(key, `E${declared.size}`);
  return declared.get(key)!;
}

function declare(spec: FieldSpec, name: string, unnamedOk = true): string {
  if (typeof spec === 'string') return `${C_SCALAR[spec]} ${name}`;
  if (spec instanceof StructType) return `${spec.union ? 'union' : 'struct'} ${spec.name} ${name}`;
  switch (spec.kind) {
    case 'array':
      return declare(spec.element, `${name}[${spec.length}]`);
    case 'bytes':
      return `char ${name}[${spec.length}]`;
    case 'flex':
      return declare(spec.element, `${name}[]`);
    case 'bits':
      return `${C_SCALAR[spec.type]} ${spec.unnamed && unnamedOk ? '' : name} : ${spec.width}`;
    case 'enum':
      return plainEnum(spec) ? `enum ${enumName(spec)} ${name}` : `${C_SCALAR[spec.type]} ${name}`;
    case 'scalar':
      // One member of an anonymous big-endian struct: the same place, big-endian storage.
      return (
        `struct __attribute__((scalar_storage_order("${spec.endian}-endian"))) ` + `{ ${C_SCALAR[spec.type]} ${name}; }`
      );
  }
  throw new Error(`unexpected spec ${String(spec)}`);
}

/** An enum whose type is the default (declared as a C `enum`, whose type the compiler picks). */
function plainEnum(spec: { names: Readonly<Record<string, number>>; type: string }): boolean {
  return spec.type === enumType(spec.names).type;
}

function nested(spec: FieldSpec): AnyType[] {
  if (spec instanceof StructType) return [spec as unknown as AnyType];
  if (typeof spec === 'object' && (spec.kind === 'array' || spec.kind === 'flex')) return nested(spec.element);
  return [];
}

function defineC(t: AnyType, out: string[], done: Set<string>): void {
  if (done.has(t.name)) return;
  for (const f of t.fields) for (const dep of nested(f.spec)) defineC(dep, out, done);
  done.add(t.name);
  for (const f of t.fields) {
    const s = f.spec;
    if (typeof s === 'object' && !(s instanceof StructType) && s.kind === 'enum' && plainEnum(s)) {
      const n = enumName(s);
      if (!out.some((l) => l.startsWith(`enum ${n} `)))
        out.push(
          `enum ${n} { ${Object.entries(s.names)
            .map(([k, v]) => `${n}_${k} = ${v}`)
            .join(', ')} };`,
        );
    }
  }
  const attrs = [t.packed ? 'packed' : '', t.toSchema().endian === 'big' ? 'scalar_storage_order("big-endian")' : '']
    .filter(Boolean)
    .map((a) => `__attribute__((${a})) `)
    .join('');
  const body = t.fields.map((f) => `  ${declare(f.spec, f.name)};`).join('\n');
  out.push(`${t.union ? 'union' : 'struct'} ${attrs}${t.name} {\n${body}\n};`);
}

/** Leaves below a field that C can read (path in JS, C expression, kind of value). */
function leaves(spec: FieldSpec, js: string, c: string, out: [string, string, string][]): void {
  if (typeof spec === 'string') return void out.push([js, c, spec]);
  if (spec instanceof StructType) {
    for (const f of spec.fields) leaves(f.spec, `${js}.${f.name}`, `${c}.${f.name}`, out);
    return;
  }
  switch (spec.kind) {
    case 'array':
      for (const i of new Set([0, spec.length - 1])) leaves(spec.element, `${js}.${i}`, `${c}[${i}]`, out);
      return;
    case 'bytes': // C's char is signed on x86-64: read the bytes as unsigned char
      for (const i of new Set([0, spec.length - 1])) out.push([`${js}.${i}`, `(unsigned char)${c}[${i}]`, 'u8']);
      return;
    case 'bits':
      if (!spec.unnamed) out.push([js, c, spec.type]);
      return;
    case 'enum':
      out.push([js, c, spec.type]);
      return;
    case 'scalar':
      out.push([js, c, spec.type]);
  }
}

function printOf(c: string, kind: string): string {
  if (kind === 'f32' || kind === 'f64') return `printf("%.17g\\n", (double)(${c}));`;
  if (kind === 'bool') return `printf("%d\\n", (int)(${c}));`;
  if (kind.startsWith('u')) return `printf("%llu\\n", (unsigned long long)(${c}));`;
  return `printf("%lld\\n", (long long)(${c}));`;
}

function cValue(v: unknown, kind: string, c: string): string {
  if (typeof v === 'string') return `${c} = ${kind};`; // enum name: kind carries the C constant
  if (typeof v === 'bigint') return `${c} = ${v < 0n ? `-${-v}LL` : `${v}ULL`};`;
  if (typeof v === 'boolean') return `${c} = ${v ? 1 : 0};`;
  return `${c} = ${v};`;
}

/** C statements that assign WRITES[t] to the record `s`. */
function cWrites(t: AnyType, values: Record<string, unknown>, c: string, out: string[]): void {
  for (const [k, v] of Object.entries(values)) {
    const f = t.fields.find((x) => x.name === k)!;
    const spec = f.spec;
    if (spec instanceof StructType) cWrites(spec as unknown as AnyType, v as Record<string, unknown>, `${c}.${k}`, out);
    else if (Array.isArray(v)) v.forEach((x, i) => out.push(cValue(x, '', `${c}.${k}[${i}]`)));
    else if (typeof spec === 'object' && spec.kind === 'enum' && !plainEnum(spec))
      out.push(`${c}.${k} = ${(spec.names as Record<string, number>)[v as string] ?? v};`);
    else if (typeof v === 'string') out.push(`${c}.${k} = ${enumName(spec as object)}_${v};`);
    else out.push(cValue(v, '', `${c}.${k}`));
  }
}

function findCompiler(): string | undefined {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang']) {
    if (cc && spawnSync(cc, ['--version'], { encoding: 'utf8' }).status === 0) return cc;
  }
  return undefined;
}

function pattern(i: number): number {
  return (i * 37 + 11) & 255;
}

test('unions, bit-fields, enums, bytes, flexible arrays, empty structs and byte order match the C compiler', {
  timeout: 60_000,
}, (t) => {
  if (process.arch !== 'x64' && process.arch !== 'arm64') return void t.skip(`ABI of ${process.arch} not covered`);
  const cc = findCompiler();
  if (cc === undefined) return void t.skip('no C compiler found (tried $CC, cc, gcc, clang)');
  const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' }).stdout;
  if (!/gcc|GCC|Free Software/.test(probe)) return void t.skip('scalar_storage_order needs GCC');

  const defs: string[] = [];
  const done = new Set<string>();
  const main: string[] = [];
  const expect: ((line: string) => void)[] = [];
  for (const T of TABLE) {
    defineC(T, defs, done);
    const kw = T.union ? 'union' : 'struct';
    main.push(`  printf("%zu %zu\\n", sizeof(${kw} ${T.name}), _Alignof(${kw} ${T.name}));`);
    expect.push((l) => assert.equal(l, `${T.byteLength} ${T.alignment}`, `sizeof/_Alignof of ${T}`));
    for (const f of T.fields) {
      if (typeof f.spec === 'object' && !(f.spec instanceof StructType) && f.spec.kind === 'bits') continue;
      main.push(`  printf("%zu\\n", offsetof(${kw} ${T.name}, ${f.name}));`);
      expect.push((l) => assert.equal(Number(l), f.offset, `offsetof(${T.name}, ${f.name}) in ${T}`));
    }
    if (T.byteLength === 0 || T.name.startsWith('Flex')) continue;
    // Writes: same values, same bytes.
    const values = WRITES[T.name];
    if (values !== undefined) {
      main.push(`  { ${kw} ${T.name} s; memset(&s, 0, sizeof s);`);
      cWrites(T, values, 's', main);
      main.push('    dump((void *)&s, sizeof s); }');
      const r = T.create(values as never);
      const { buffer, byteOffset } = addressOf(r);
      const mine = Buffer.from(new Uint8Array(buffer, byteOffset, T.byteLength)).toString('hex');
      expect.push((l) => assert.equal(mine, l, `bytes of ${T.name} after writing ${JSON.stringify(values, big)}`));
    }
    // Reads: one byte pattern, every member's value.
    const ls: [string, string, string][] = [];
    for (const f of T.fields) leaves(f.spec, f.name, `s.${f.name}`, ls);
    main.push(`  { ${kw} ${T.name} s; unsigned char *b = (unsigned char *)&s;`);
    main.push(`    for (size_t i = 0; i < sizeof s; i++) b[i] = (unsigned char)((i * 37 + 11) & 255);`);
    for (const [, c, kind] of ls) main.push(`    ${printOf(c, kind)}`);
    main.push('  }');
    const rec = T.view(new Uint8Array(T.byteLength).map((_, i) => pattern(i)).buffer);
    for (const [js, , kind] of ls) {
      const got = js.split('.').reduce((o: unknown, k) => (o as Record<string, unknown>)[k], rec);
      const num = typeof got === 'string' ? T.fields.length && enumValue(T, js, got) : got;
      expect.push((l) => {
        if (kind === 'f32' || kind === 'f64') {
          const want = Number(l.replace(/^-?nan$/, 'NaN').replace(/inf$/, 'Infinity'));
          assert.ok(
            Object.is(num, want) || (Number.isNaN(want) && Number.isNaN(num as number)),
            `${T.name}.${js}: ${l} in C, ${String(num)} here`,
          );
        } else
          assert.equal(
            String(typeof num === 'boolean' ? Number(num) : num),
            l,
            `${T.name}.${js} (${kind}) read from the pattern`,
          );
      });
    }
  }
  const src = ['#include <stdio.h>', '#include <stddef.h>', '#include <stdint.h>', '#include <string.h>']
    .concat(['static void dump(const void *p, size_t n) {', '  const unsigned char *b = p;'])
    .concat(['  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);', '  printf("\\n");', '}', ''])
    .concat(defs, ['', 'int main(void) {'], main, ['  return 0;', '}', ''])
    .join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'typed-struct-kinds-'));
  try {
    writeFileSync(join(dir, 'kinds.c'), src);
    const build = spawnSync(cc, ['-std=gnu11', '-O0', '-o', join(dir, 'kinds'), join(dir, 'kinds.c')], {
      encoding: 'utf8',
      timeout: 40_000,
    });
    assert.equal(build.status, 0, `cc failed:\n${build.stderr}\n--- source ---\n${src}`);
    const run = spawnSync(join(dir, 'kinds'), { encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, expect.length, 'one C line per check');
    lines.forEach((l, i) => expect[i](l));
    assert.ok(expect.length > 100, `checked ${expect.length} figures`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

/** The value of an enum member read as a name. */
function enumValue(T: AnyType, path: string, name: string): number {
  const f = T.fields.find((x) => x.name === path.split('.')[0])!;
  return (f.spec as { names: Record<string, number> }).names[name];
}

test('the new kinds survive a schema round trip (JSON or structured clone) as the same type', {
  timeout: 10_000,
}, () => {
  for (const T of TABLE) {
    const again = StructType.fromSchema(JSON.parse(JSON.stringify(T.toSchema())));
    assert.equal(again, T, `${T.name}: a known schema gives back the same type`);
    assert.equal(StructType.fromSchema(structuredClone(T.toSchema())), T);
  }
  // A schema this thread has never seen (renamed) rebuilds the same layout, union and order included.
  for (const T of [Tagged, Net, Bits, Enums, Flex] as unknown as AnyType[]) {
    const schema = JSON.parse(JSON.stringify(T.toSchema()).replaceAll(`"${T.name}"`, `"${T.name}Copy"`));
    const copy = StructType.fromSchema(schema);
    assert.notEqual(copy, T);
    assert.deepEqual(
      [copy.byteLength, copy.alignment, copy.union, copy.fields.map((f) => [f.name, f.offset, f.bit, f.type])],
      [T.byteLength, T.alignment, T.union, T.fields.map((f) => [f.name, f.offset, f.bit, f.type])],
    );
  }
  const r = Tagged.create(WRITES.Tagged as never);
  const back = Tagged.from(structuredClone(r));
  assert.deepEqual(Tagged.toObject(back), Tagged.toObject(r));
});
