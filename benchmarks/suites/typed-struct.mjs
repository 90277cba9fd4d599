// typed-struct: what a struct field costs over the hand-written code it replaces, in one run.
//   typed-struct.field        get+set of an f64 and a u32 field of one record: the record's
//                             accessors against hand-written DataView and typed-array code, ns/op
//   typed-struct.nested       p.pos.x += p.vel.x (nested struct fields) against hand-written, ns/op
//   typed-struct.packed       a misaligned f64 in a packed struct (DataView path) against DataView, ns/op
//   typed-struct.column       sum of pos.x over 4096 records: Column.get, the column's raw strided
//                             typed array, record views, StructArray.get (a view per element), and a
//                             hand-written typed-array loop, ns/element
//   typed-struct.atomics      atomics.add(record, 'id', 1) against Atomics.add on a Uint32Array, ns/op
//   typed-struct.records      get+set of an f64 and a u32 field across 1024 records through one view
//                             per record (made beforehand), against hand-written offset arithmetic
//   typed-struct.view         making a record view: StructArray.get(i) and a nested p.pos on it, ns/op
//   typed-struct.array        1,000,000 records { x: f64, y: f64, id: u32 } (24 MB, the case):
//                             sum of x through arr.get(i).x, arr.at(i).x, for...of, Column.get and
//                             the column's typed array; y = value through arr.get(i).y; each against
//                             hand-written DataView and typed-array loops over the same bytes,
//                             ns/element (targets: get/for...of/writes <= 3x, columns <= 1.2x);
//                             the column's typed array walked two ways: stepping the index
//                             (j += stride) and multiplying it (start + i * stride)
// Each sample is the best of 5 back-to-back sub-runs (of 9 one-pass sub-runs for
// typed-struct.array; noise on a shared machine only ever adds time); ratios (impl "ratio ...",
// unit x) are medians of per-run ratios, both sides measured in the same run. Target: field access
// within 2x of hand-written code.
// Needs the dists: `cd packages/atomics-sync && npx tsc -p tsconfig.json`, same for typed-struct.
import { struct, atomics } from '@sabkit/typed-struct';
import { QUICK, emit, runsFor } from '../lib/report.mjs';

const Vec3 = struct({ x: 'f64', y: 'f64', z: 'f64' }, { name: 'Vec3' });
// pos @0, vel @24, energy @48, id @56, alive @60; 64 bytes.
const Particle = struct({ pos: Vec3, vel: Vec3, energy: 'f64', id: 'u32', alive: 'bool' }, { name: 'Particle' });
const Packed = struct({ tag: 'u8', x: 'f64', id: 'u32' }, { name: 'PackedRec', packed: true }); // x @1, 13 bytes

const N = 1024;
const MASK = N - 1;
const ITER = QUICK ? 2_000_000 : 10_000_000;
const RUNS = runsFor(9, 5);

const arr = Particle.array(N);
const views = [...arr];
const buf = arr.buffer;
const dv = new DataView(buf);
const f64 = new Float64Array(buf);
const u32 = new Uint32Array(buf);
const one = views[3];
const packedArr = Packed.array(N);
const packedViews = [...packedArr];
const pdv = new DataView(packedArr.buffer);
const COLN = 4096;
const colArr = Particle.array(COLN);
colArr.column('pos.x').data.forEach((_, i, a) => {
  a[i] = i % 7;
});
const colViews = [...colArr];
const colF64 = new Float64Array(colArr.buffer);

// The array: 1,000,000 records of { x: f64, y: f64, id: u32 } (24 bytes each).
const Point = struct({ x: 'f64', y: 'f64', id: 'u32' }, { name: 'Point' });
const AN = QUICK ? 250_000 : 1_000_000;
const points = Point.array(AN);
const pdvA = new DataView(points.buffer);
const pf64 = new Float64Array(points.buffer);
{
  const xs = points.column('x');
  for (let i = 0; i < AN; i++) xs.set(i, i % 13);
}

// One function per loop so every call site stays monomorphic.
const LOOPS = {
  recordsLib(n) {
    for (let k = 0; k < n; k++) {
      const p = views[k & MASK];
      p.energy = p.energy + 0.5;
      p.id = p.id + 1;
    }
  },
  recordsDataView(n) {
    for (let k = 0; k < n; k++) {
      const o = (k & MASK) * 64;
      dv.setFloat64(o + 48, dv.getFloat64(o + 48, true) + 0.5, true);
      dv.setUint32(o + 56, dv.getUint32(o + 56, true) + 1, true);
    }
  },
  recordsTyped(n) {
    for (let k = 0; k < n; k++) {
      const b = (k & MASK) * 8;
      f64[b + 6] = f64[b + 6] + 0.5;
      u32[b * 2 + 14] = u32[b * 2 + 14] + 1;
    }
  },
  fieldLib(n) {
    const p = one;
    for (let k = 0; k < n; k++) {
      p.energy = p.energy + 0.5;
      p.id = p.id + 1;
    }
  },
  fieldDataView(n) {
    const o = 3 * 64;
    for (let k = 0; k < n; k++) {
      dv.setFloat64(o + 48, dv.getFloat64(o + 48, true) + 0.5, true);
      dv.setUint32(o + 56, dv.getUint32(o + 56, true) + 1, true);
    }
  },
  fieldTyped(n) {
    const b = 3 * 8;
    for (let k = 0; k < n; k++) {
      f64[b + 6] = f64[b + 6] + 0.5;
      u32[b * 2 + 14] = u32[b * 2 + 14] + 1;
    }
  },
  viewGet(n) {
    let s = 0;
    for (let k = 0; k < n; k++) s += arr.get(k & MASK).id;
    return s;
  },
  viewNested(n) {
    let s = 0;
    for (let k = 0; k < n; k++) s += arr.get(k & MASK).pos.x;
    return s;
  },
  nestedLib(n) {
    for (let k = 0; k < n; k++) {
      const p = views[k & MASK];
      p.pos.x = p.pos.x + p.vel.x;
    }
  },
  nestedDataView(n) {
    for (let k = 0; k < n; k++) {
      const o = (k & MASK) * 64;
      dv.setFloat64(o, dv.getFloat64(o, true) + dv.getFloat64(o + 24, true), true);
    }
  },
  nestedTyped(n) {
    for (let k = 0; k < n; k++) {
      const b = (k & MASK) * 8;
      f64[b] = f64[b] + f64[b + 3];
    }
  },
  packedLib(n) {
    for (let k = 0; k < n; k++) {
      const p = packedViews[k & MASK];
      p.x = p.x + 1;
    }
  },
  packedDataView(n) {
    for (let k = 0; k < n; k++) {
      const o = (k & MASK) * 13 + 1;
      pdv.setFloat64(o, pdv.getFloat64(o, true) + 1, true);
    }
  },
  atomicsLib(n) {
    const p = one;
    for (let k = 0; k < n; k++) atomics.add(p, 'id', 1);
  },
  atomicsRaw(n) {
    const i = (3 * 64 + 56) / 4;
    for (let k = 0; k < n; k++) Atomics.add(u32, i, 1);
  },
  // Column loops: n is the number of passes over COLN records.
  colGet(n) {
    const c = colArr.column('pos.x');
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < COLN; i++) s += c.get(i);
    return s;
  },
  colRaw(n) {
    const { data, start, stride } = colArr.column('pos.x');
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < COLN; i++) s += data[start + i * stride];
    return s;
  },
  colViews(n) {
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < COLN; i++) s += colViews[i].pos.x;
    return s;
  },
  colArrayGet(n) {
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < COLN; i++) s += colArr.get(i).pos.x;
    return s;
  },
  // Array loops: n is the number of passes over AN records.
  arrGet(n) {
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < points.length; i++) s += points.get(i).x;
    return s;
  },
  arrAt(n) {
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < points.length; i++) s += points.at(i).x;
    return s;
  },
  arrForOf(n) {
    let s = 0;
    for (let r = 0; r < n; r++) for (const p of points) s += p.x;
    return s;
  },
  arrColGet(n) {
    const c = points.column('x');
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < AN; i++) s += c.get(i);
    return s;
  },
  arrColRaw(n) {
    const { data, start, stride } = points.column('x');
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < AN; i++) s += data[start + i * stride];
    return s;
  },
  arrColStep(n) {
    const { data, start, stride } = points.column('x');
    let s = 0;
    for (let r = 0; r < n; r++) for (let j = start, end = start + AN * stride; j < end; j += stride) s += data[j];
    return s;
  },
  arrHandDataView(n) {
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < AN; i++) s += pdvA.getFloat64(i * 24, true);
    return s;
  },
  arrHandTyped(n) {
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < AN; i++) s += pf64[i * 3];
    return s;
  },
  arrWrite(n) {
    for (let r = 0; r < n; r++) for (let i = 0; i < points.length; i++) points.get(i).y = i + r;
  },
  arrWriteDataView(n) {
    for (let r = 0; r < n; r++) for (let i = 0; i < AN; i++) pdvA.setFloat64(i * 24 + 8, i + r, true);
  },
  arrWriteTyped(n) {
    for (let r = 0; r < n; r++) for (let i = 0; i < AN; i++) pf64[i * 3 + 1] = i + r;
  },
  colHand(n) {
    let s = 0;
    for (let r = 0; r < n; r++) for (let i = 0; i < COLN; i++) s += colF64[i * 8];
    return s;
  },
};

const SUBRUNS = 5;
/** ns per operation of LOOPS[loop]: the best of SUBRUNS runs of n / SUBRUNS operations. */
function nsPer(loop, n, perCall = 1, subruns = SUBRUNS) {
  const m = Math.max(1, Math.round(n / subruns));
  let best = Infinity;
  for (let i = 0; i < subruns; i++) {
    const t0 = performance.now();
    LOOPS[loop](m);
    best = Math.min(best, ((performance.now() - t0) * 1e6) / (m * perCall));
  }
  return best;
}

/** Measures the loops of one bench back to back in each run; returns { loop: samples[] }. */
function measure(loops, n, perCall = 1, subruns = SUBRUNS) {
  for (const l of loops) {
    LOOPS[l](Math.max(1, n >> 3));
    LOOPS[l](Math.max(1, n >> 3));
  } // warm-up, let TurboFan settle
  const out = Object.fromEntries(loops.map((l) => [l, []]));
  for (let r = 0; r < RUNS; r++) for (const l of loops) out[l].push(nsPer(l, n, perCall, subruns));
  return out;
}

function report(bench, metric, unit, names, samples, ratios) {
  for (const [loop, label] of Object.entries(names)) emit(bench, label, metric, samples[loop], unit);
  for (const [label, a, b] of ratios)
    emit(
      bench,
      `ratio ${label}`,
      'ratio',
      samples[a].map((x, i) => x / samples[b][i]),
      'x',
    );
}

{
  const s = measure(['fieldLib', 'fieldDataView', 'fieldTyped'], ITER);
  report(
    'typed-struct.field',
    'ns/op',
    'ns',
    { fieldLib: 'typed-struct record', fieldDataView: 'hand DataView', fieldTyped: 'hand typed arrays' },
    s,
    [
      ['typed-struct / DataView', 'fieldLib', 'fieldDataView'],
      ['typed-struct / typed arrays', 'fieldLib', 'fieldTyped'],
    ],
  );
}
{
  const s = measure(['recordsLib', 'recordsDataView', 'recordsTyped'], ITER);
  report(
    'typed-struct.records',
    'ns/op',
    'ns',
    { recordsLib: 'typed-struct record views', recordsDataView: 'hand DataView', recordsTyped: 'hand typed arrays' },
    s,
    [
      ['typed-struct / DataView', 'recordsLib', 'recordsDataView'],
      ['typed-struct / typed arrays', 'recordsLib', 'recordsTyped'],
    ],
  );
}
{
  const s = measure(['nestedLib', 'nestedDataView', 'nestedTyped'], ITER);
  report(
    'typed-struct.nested',
    'ns/op',
    'ns',
    { nestedLib: 'typed-struct p.pos.x += p.vel.x', nestedDataView: 'hand DataView', nestedTyped: 'hand typed array' },
    s,
    [
      ['typed-struct / DataView', 'nestedLib', 'nestedDataView'],
      ['typed-struct / typed array', 'nestedLib', 'nestedTyped'],
    ],
  );
}
{
  const s = measure(['packedLib', 'packedDataView'], ITER);
  report(
    'typed-struct.packed',
    'ns/op',
    'ns',
    { packedLib: 'typed-struct packed record', packedDataView: 'hand DataView' },
    s,
    [['typed-struct / DataView', 'packedLib', 'packedDataView']],
  );
}
{
  const passes = Math.max(1, Math.round(ITER / COLN / 2));
  const s = measure(['colGet', 'colRaw', 'colViews', 'colArrayGet', 'colHand'], passes, COLN);
  report(
    'typed-struct.column',
    'ns/element',
    'ns',
    {
      colGet: 'Column.get(i)',
      colRaw: 'column data[start + i*stride]',
      colViews: 'record views p.pos.x',
      colArrayGet: 'StructArray.get(i).pos.x (view per element)',
      colHand: 'hand typed-array loop',
    },
    s,
    [
      ['Column.get / hand loop', 'colGet', 'colHand'],
      ['column raw / hand loop', 'colRaw', 'colHand'],
      ['StructArray.get / hand loop', 'colArrayGet', 'colHand'],
    ],
  );
}
{
  const loops = [
    'arrGet',
    'arrAt',
    'arrForOf',
    'arrColGet',
    'arrColRaw',
    'arrColStep',
    'arrHandDataView',
    'arrHandTyped',
    'arrWrite',
    'arrWriteDataView',
    'arrWriteTyped',
  ];
  // One pass over the array per sub-run, the best of 9 (a pass is a few ms: noise on a shared
  // machine is as long as the pass itself).
  const s = measure(loops, 9, AN, 9);
  report(
    'typed-struct.array',
    'ns/element',
    'ns',
    {
      arrGet: 'arr.get(i).x',
      arrAt: 'arr.at(i).x',
      arrForOf: 'for (const p of arr) p.x',
      arrColGet: 'column Column.get(i)',
      arrColRaw: 'column data[start + i*stride]',
      arrColStep: 'column data[j], j += stride',
      arrHandDataView: 'hand DataView loop',
      arrHandTyped: 'hand typed-array loop',
      arrWrite: 'arr.get(i).y = v',
      arrWriteDataView: 'hand DataView write loop',
      arrWriteTyped: 'hand typed-array write loop',
    },
    s,
    [
      ['get(i).x / DataView', 'arrGet', 'arrHandDataView'],
      ['get(i).x / typed array', 'arrGet', 'arrHandTyped'],
      ['at(i).x / DataView', 'arrAt', 'arrHandDataView'],
      ['for...of / DataView', 'arrForOf', 'arrHandDataView'],
      ['for...of / typed array', 'arrForOf', 'arrHandTyped'],
      ['column data[j] / typed array', 'arrColStep', 'arrHandTyped'],
      ['column data[start + i*stride] / typed array', 'arrColRaw', 'arrHandTyped'],
      ['Column.get / typed array', 'arrColGet', 'arrHandTyped'],
      ['get(i).y = v / DataView write', 'arrWrite', 'arrWriteDataView'],
      ['get(i).y = v / typed-array write', 'arrWrite', 'arrWriteTyped'],
    ],
  );
}
{
  const s = measure(['viewGet', 'viewNested'], ITER >> 2);
  report(
    'typed-struct.view',
    'ns/op',
    'ns',
    { viewGet: 'StructArray.get(i).id', viewNested: 'StructArray.get(i).pos.x' },
    s,
    [],
  );
}
{
  const s = measure(['atomicsLib', 'atomicsRaw'], ITER >> 1);
  report(
    'typed-struct.atomics',
    'ns/op',
    'ns',
    { atomicsLib: "atomics.add(record, 'id', 1)", atomicsRaw: 'Atomics.add Uint32Array' },
    s,
    [['atomics.add / Atomics.add', 'atomicsLib', 'atomicsRaw']],
  );
}
