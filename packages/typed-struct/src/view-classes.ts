/**
 * The per-type instance classes and the live values of composite fields. Each struct type gets
 * its classes once, on first view, with one accessor per field defined on the prototype: generated
 * per type where the realm allows it (codegen.ts), else closures (accessors.ts).
 *
 * Two classes per type. The aligned one reads each little-endian scalar through the buffer's
 * typed array of its kind (`f64[(byteOffset + 8) >>> 3]`), which is as fast as hand-written
 * typed-array code; it is used when byteOffset is a multiple of the type's natural alignment
 * (always, for a view the type checked, unless a packed struct encloses it). The other reads
 * through the DataView, which accepts any offset.
 *
 * Kept apart from view.ts, which this imports and which never imports this back: nested structs
 * need viewAt to make their child views, so it sits with the makers, not with StructView.
 */
import { Lock } from '@sabkit/atomics-sync';
import { InvalidArgumentError, InvalidRegionError, describe } from '@sabkit/atomics-sync/core';
import { type Make, closureDescriptor, plansOf } from './accessors.js';
import { ElementArray } from './array-view.js';
import { codegenAllowed, generateViewClass } from './codegen.js';
import type { Memo } from './memory.js';
import type { ArrayNode, FlexNode, Layout, Node } from './nodes.js';
import { flexLength } from './plain.js';
import { CLASS_LAYOUT, KIDS, MEM, OFF, StructView, recordClass } from './view.js';

export type ViewClass = new (m: Memo, abs: number, schema: unknown) => StructView;
interface Classes {
  readonly aligned: ViewClass;
  readonly unaligned: ViewClass;
}

const TYPED = {
  i8: Int8Array,
  u8: Uint8Array,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
  f32: Float32Array,
  f64: Float64Array,
} as const;

/** How to make the live value of a composite node (struct, array, lock, bytes, flexible array) at a byte offset. */
export function makerOf(node: Node, where: string): Make {
  switch (node.t) {
    case 'struct': {
      const layout = node.layout;
      return (m, abs) => viewAt(layout, m, abs);
    }
    case 'lock':
      return (m, abs) => {
        if (!(m.buffer instanceof SharedArrayBuffer)) {
          throw new InvalidRegionError(
            `${where}: a lock field needs a SharedArrayBuffer, but this struct lives in ` +
              `${m.buffer.constructor.name === 'ArrayBuffer' ? 'an ArrayBuffer' : 'a non-shared buffer'}`,
          );
        }
        return Lock.from({ __sabkit: 'Lock', buffer: m.buffer, byteOffset: abs });
      };
    case 'bytes': {
      const n = node.length;
      return (m, abs) => new Uint8Array(m.buffer as ArrayBuffer, abs, n);
    }
    case 'array':
      return arrayMaker(node, node.length, where);
    case 'flex':
      return (m, abs) => arrayMaker(node, flexLength(node, m, abs), where)(m, abs);
    default:
      throw new TypeError(`${node.t} is not a composite field`);
  }
}

function arrayMaker(node: ArrayNode | FlexNode, n: number, where: string): Make {
  const elem = node.elem;
  const arrayNode: ArrayNode =
    node.t === 'array'
      ? node
      : { t: 'array', elem, length: n, size: elem.size * n, align: elem.align, natural: elem.natural };
  if (elem.t === 'scalar' && elem.kind !== 'bool' && elem.endian === 'little') {
    const Ctor = TYPED[elem.kind];
    const size = elem.size;
    return (m, abs) =>
      m.fast && abs % size === 0
        ? new Ctor(m.buffer as ArrayBuffer, abs, n)
        : ElementArray.create(m, abs, arrayNode, where);
  }
  if (elem.t === 'scalar' || elem.t === 'string' || elem.t === 'enum')
    return (m, abs) => ElementArray.create(m, abs, arrayNode, where);
  const make = makerOf(elem, `${where}[]`);
  const size = elem.size;
  return (m, abs) => {
    const items = new Array(n);
    for (let i = 0; i < n; i++) items[i] = make(m, abs + i * size);
    return Object.freeze(items);
  };
}

function makeClass(layout: Layout, aligned: boolean): ViewClass {
  const plans = plansOf(layout, aligned, makerOf);
  const slots = plans.filter((p) => p.t === 'child').length;
  let C: ViewClass;
  if (codegenAllowed()) {
    C = generateViewClass(layout, StructView.prototype, plans, slots);
  } else {
    C = recordClass() as ViewClass;
    for (const p of plans) {
      const d = closureDescriptor(layout, p, slots);
      Object.defineProperty(C.prototype, p.f.name, { ...d, enumerable: true, configurable: false });
    }
  }
  Object.defineProperty(C, 'name', { value: layout.name });
  Object.defineProperty(C.prototype, CLASS_LAYOUT, { value: layout });
  return C;
}

/** The record classes of a layout (made on first use). */
export function classesOf(layout: Layout): Classes {
  return (layout.classes ??= { aligned: makeClass(layout, true), unaligned: makeClass(layout, false) }) as Classes;
}

/** A view of a `layout` struct at `abs`: the typed-array class where the offset allows it. */
export function viewAt(layout: Layout, m: Memo, abs: number): StructView {
  const cs = classesOf(layout);
  return m.fast && abs % layout.natural === 0
    ? new cs.aligned(m, abs, layout.schema)
    : new cs.unaligned(m, abs, layout.schema);
}

/** Gives the view `v` a flexible array member of `n` elements (Type.view's flexibleLength). */
export function setFlexibleLength(layout: Layout, v: StructView, n: unknown, who: string): void {
  const flex = layout.flex;
  if (flex === undefined || flex.node.t !== 'flex')
    throw new InvalidArgumentError(`${who}: ${layout.name} has no flexible array member`);
  const m = v[MEM];
  const room = flexLength(flex.node, m, v[OFF] + flex.offset);
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > room)
    throw new InvalidRegionError(
      `${who}: flexibleLength must be an integer in [0, ${room}] (the elements that fit in the buffer), got ` +
        `${describe(n)}`,
    );
  // The flexible array is the last composite field, so its cached view is the last child slot.
  const slots = plansOf(layout, true, makerOf).filter((p) => p.t === 'child').length;
  const kids = v[KIDS] ?? (v[KIDS] = new Array(slots));
  kids[slots - 1] = arrayMaker(flex.node, n, `${layout.name}.${flex.name}`)(m, v[OFF] + flex.offset);
}
