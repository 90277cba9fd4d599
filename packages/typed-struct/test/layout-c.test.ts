// Layouts checked against the machine's C compiler: C declarations are generated for a table of
// struct types (hand-picked cases and seeded random ones), compiled with `cc`, and the program's
// sizeof / _Alignof / offsetof (down to nested fields and array elements) must equal the library's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lock } from '@sabkit/atomics-sync';
import { array, lock, padding, string, struct, StructType, type FieldSpec, type FieldsSpec } from '../src/index.js';

// --- C generation, independent of the library's layout code: only the declarations, the
// compiler does the layout.
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

type AnyType = StructType<FieldsSpec>;

function declare(spec: FieldSpec, declarator: string): string {
  if (typeof spec === 'string') return `${C_SCALAR[spec]} ${declarator}`;
  if (spec instanceof StructType) return `struct ${spec.name} ${declarator}`;
  switch (spec.kind) {
    case 'array':
      return declare(spec.element, `${declarator}[${spec.length}]`);
    case 'string':
      return `char ${declarator}[${spec.capacity}]`;
    case 'padding':
      return `unsigned char ${declarator}[${spec.byteLength}]`;
    case 'lock':
      return `int32_t ${declarator}[${Lock.BYTE_LENGTH / 4}]`;
  }
  throw new Error(`unexpected spec ${String(spec)}`);
}

function defineC(t: AnyType, out: string[], done: Set<string>): void {
  if (done.has(t.name)) return;
  for (const f of t.fields) for (const dep of nestedTypes(f.spec)) defineC(dep, out, done);
  done.add(t.name);
  const body = t.fields.map((f) => `  ${declare(f.spec, f.name)};`).join('\n');
  out.push(`struct ${t.packed ? '__attribute__((packed)) ' : ''}${t.name} {\n${body}\n};`);
}

function nestedTypes(spec: FieldSpec): AnyType[] {
  if (spec instanceof StructType) return [spec as AnyType];
  if (typeof spec === 'object' && spec.kind === 'array') return nestedTypes(spec.element);
  return [];
}

/**
 * (library path, C member designator) for every field and, below it, nested fields and the first
 * and last array elements.
 */
function paths(spec: FieldSpec, js: string, c: string, out: [string, string][], depth = 0): void {
  out.push([js, c]);
  if (depth > 4) return;
  if (spec instanceof StructType) {
    for (const f of spec.fields)
      if (typeof f.spec !== 'object' || f.spec instanceof StructType || f.spec.kind !== 'padding')
        paths(f.spec, `${js}.${f.name}`, `${c}.${f.name}`, out, depth + 1);
  } else if (typeof spec === 'object' && spec.kind === 'array') {
    for (const i of new Set([0, spec.length - 1])) paths(spec.element, `${js}.${i}`, `${c}[${i}]`, out, depth + 1);
  }
}

// --- The table.
const Small = struct({ a: 'u8', b: 'u8', c: 'u16' }, { name: 'Small' });
const Mixed = struct({ a: 'u8', b: 'f64', c: 'u16', d: 'i32', e: 'bool', f: 'i64', g: 'f32' }, { name: 'Mixed' });
const Tail = struct({ x: 'f64', c: 'u8' }, { name: 'Tail' });
const Nested = struct({ hdr: Small, v: Mixed, t: 'u8', tail: Tail }, { name: 'Nested' });
const Arrays = struct(
  {
    tags: array('u8', 3),
    vals: array('f32', 5),
    big: array('u64', 2),
    flags: array('bool', 3),
    m: array(array('f32', 4), 3),
    name: string(13),
    pts: array(Small, 3),
    last: 'u8',
  },
  { name: 'Arrays' },
);
const Packed = struct({ a: 'u8', b: 'f64', c: 'u16', d: 'i32', e: 'bool', f: 'u64' }, { name: 'Packed', packed: true });
const PackedNested = struct(
  { a: 'u8', inner: Mixed, b: 'u16', arr: array('i32', 3), s: string(3) },
  { name: 'PackedNested', packed: true },
);
const HoldsPacked = struct({ a: 'u8', p: Packed, b: 'u32', pn: PackedNested, c: 'i16' }, { name: 'HoldsPacked' });
const Padded = struct(
  { a: 'u8', _p: padding(3), b: 'u32', s: string(5), c: 'u64', _q: padding(1) },
  { name: 'Padded' },
);
const Locked = struct({ flag: 'u8', mu: lock(), n: 'i64', k: 'u8' }, { name: 'Locked' });
const Deep = struct({ d: array(Nested, 2), q: 'i16', l: Locked, w: array(array(Tail, 2), 2) }, { name: 'Deep' });
const OneByte = struct({ b: 'bool' }, { name: 'OneByte' });
const Wide = struct({ a: 'i8', b: 'i64', c: 'i8', d: 'i32', e: 'i8', f: 'i16', g: 'i8' }, { name: 'Wide' });

// Seeded random structs (mulberry32, Tommy Ettinger's public-domain PRNG).
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function holdsLock(fields: Record<string, FieldSpec>): boolean {
  const inSpec = (spec: FieldSpec): boolean =>
    spec instanceof StructType
      ? spec.fields.some((f) => inSpec(f.spec))
      : typeof spec === 'object' && (spec.kind === 'lock' || (spec.kind === 'array' && inSpec(spec.element)));
  return Object.values(fields).some(inSpec);
}

function randomTypes(count: number, seed: number): AnyType[] {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const scalars = Object.keys(C_SCALAR) as (keyof typeof C_SCALAR)[];
  const made: AnyType[] = [];
  const field = (depth: number): FieldSpec => {
    const r = rnd();
    if (r < 0.45 || depth > 1) return pick(scalars) as FieldSpec;
    if (r < 0.6) return array(pick(scalars) as 'u8', 1 + Math.floor(rnd() * 5));
    if (r < 0.68) return string(1 + Math.floor(rnd() * 20));
    if (r < 0.74) return padding(1 + Math.floor(rnd() * 7));
    if (r < 0.78) return lock();
    if (made.length === 0) return pick(scalars) as FieldSpec;
    if (r < 0.9) return pick(made);
    if (r < 0.96) return array(pick(made), 1 + Math.floor(rnd() * 3));
    let inner = field(depth + 1);
    while (typeof inner === 'object' && !(inner instanceof StructType) && inner.kind === 'padding')
      inner = field(depth + 1);
    return array(inner as 'u8', 1 + Math.floor(rnd() * 3));
  };
  for (let i = 0; i < count; i++) {
    const fields: Record<string, FieldSpec> = {};
    const n = 1 + Math.floor(rnd() * 8);
    for (let k = 0; k < n; k++) fields[`f${k}`] = field(0);
    fields.last = pick(scalars) as FieldSpec; // never only padding
    const packed = rnd() < 0.25;
    // A packed struct cannot hold a lock (refused when the schema is made); such a draw is laid out
    // unpacked instead, which keeps the generator's sequence, and so the other structs, as before.
    made.push(
      (packed && holdsLock(fields)
        ? struct(fields, { name: `R${i}` })
        : struct(fields, { name: `R${i}`, packed })) as AnyType,
    );
  }
  return made;
}

const TABLE: AnyType[] = [
  Small,
  Mixed,
  Tail,
  Nested,
  Arrays,
  Packed,
  PackedNested,
  HoldsPacked,
  Padded,
  Locked,
  Deep,
  OneByte,
  Wide,
  ...randomTypes(40, 0x5eed),
] as AnyType[];

function findCompiler(): string | undefined {
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang']) {
    if (!cc) continue;
    const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return cc;
  }
  return undefined;
}

test('sizeof, _Alignof and offsetof match the C compiler for a table of struct types', { timeout: 60_000 }, (t) => {
  if (process.arch !== 'x64' && process.arch !== 'arm64') {
    t.skip(
      `the library follows the x86-64 / aarch64 Linux ABI; this machine is ${process.arch}, whose C layout may differ`,
    );
    return;
  }
  const cc = findCompiler();
  if (cc === undefined) {
    // In CI the check must run (.ci/run installs gcc when no compiler is there): skipping it would pass unchecked.
    if (process.env.CI && process.env.CI !== '0' && process.env.CI !== 'false') {
      assert.fail('CI is set and no C compiler was found (tried $CC, cc, gcc, clang): the C layouts cannot be checked');
    }
    t.skip('no C compiler found (tried $CC, cc, gcc, clang): layouts not checked against C');
    return;
  }
  assert.equal(Lock.ALIGNMENT, 4, 'the C rendering of lock() assumes an int32 lock word');

  const defs: string[] = [];
  const done = new Set<string>();
  const prints: string[] = [];
  const expected = new Map<string, number>();
  for (const T of TABLE) {
    defineC(T, defs, done);
    prints.push(`  printf("S ${T.name} %zu %zu\\n", sizeof(struct ${T.name}), _Alignof(struct ${T.name}));`);
    expected.set(`S ${T.name}`, -1);
    const ps: [string, string][] = [];
    for (const f of T.fields) paths(f.spec, f.name, f.name, ps);
    for (const [js, c] of ps) {
      prints.push(`  printf("F ${T.name} ${js} %zu\\n", offsetof(struct ${T.name}, ${c}));`);
      expected.set(`F ${T.name} ${js}`, T.offsetOf(js));
    }
  }
  const src = [
    '#include <stdio.h>',
    '#include <stddef.h>',
    '#include <stdint.h>',
    '',
    defs.join('\n\n'),
    '',
    'int main(void) {',
    prints.join('\n'),
    '  return 0;',
    '}',
    '',
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'typed-struct-c-'));
  try {
    writeFileSync(join(dir, 'layout.c'), src);
    const build = spawnSync(cc, ['-std=c11', '-O0', '-Wall', '-o', join(dir, 'layout'), join(dir, 'layout.c')], {
      encoding: 'utf8',
      timeout: 40_000,
    });
    assert.equal(build.status, 0, `cc failed:\n${build.stderr}\n--- source ---\n${src}`);
    const run = spawnSync(join(dir, 'layout'), { encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    let checked = 0;
    for (const line of lines) {
      const parts = line.split(' ');
      if (parts[0] === 'S') {
        const T = TABLE.find((x) => x.name === parts[1])!;
        assert.deepEqual(
          [T.byteLength, T.alignment],
          [Number(parts[2]), Number(parts[3])],
          `sizeof/_Alignof of ${T.toString()}`,
        );
      } else {
        const key = `F ${parts[1]} ${parts[2]}`;
        assert.equal(
          expected.get(key),
          Number(parts[3]),
          `offsetof(${parts[1]}, ${parts[2]}) in ${TABLE.find((x) => x.name === parts[1])!.toString()}`,
        );
      }
      checked++;
    }
    assert.equal(checked, expected.size, 'every struct and path was printed by the C program');
    assert.ok(checked > 500, `checked ${checked} figures`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('top-level field offsets in Type.fields equal offsetOf, and a schema round trip keeps the layout', {
  timeout: 10_000,
}, () => {
  for (const T of TABLE) {
    for (const f of T.fields) assert.equal(f.offset, T.offsetOf(f.name));
    const again = StructType.fromSchema(JSON.parse(JSON.stringify(T.toSchema())));
    assert.equal(again, T, 'a known schema gives back the same type');
    assert.deepEqual(
      again.fields.map((f) => [f.name, f.offset, f.byteLength, f.alignment, f.type]),
      T.fields.map((f) => [f.name, f.offset, f.byteLength, f.alignment, f.type]),
    );
  }
  // Spot checks of the rules, independent of the compiler.
  assert.deepEqual([Mixed.byteLength, Mixed.alignment, Mixed.offsetOf('b'), Mixed.offsetOf('f')], [48, 8, 8, 32]);
  assert.deepEqual([Tail.byteLength, Tail.alignment], [16, 8]);
  assert.deepEqual([Packed.byteLength, Packed.alignment, Packed.offsetOf('b'), Packed.offsetOf('f')], [24, 1, 1, 16]);
  assert.deepEqual([Small.byteLength, Small.alignment], [4, 2]);
});
