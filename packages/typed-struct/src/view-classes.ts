/**
 * The per-type instance classes and the live values of composite fields. Each struct type gets
 * its classes once, on first view, with one accessor per field defined on the prototype.
 *
 * Two classes per type. The aligned one reads each scalar through the buffer's typed array of its
 * kind (`f64[(byteOffset + 8) >>> 3]`), which is as fast as hand-written typed-array code; it is
 * used when byteOffset is a multiple of the type's natural alignment (always, for a view the type
 * checked, unless a packed struct encloses it). The other reads through the DataView, which
 * accepts any offset.
 *
 * Kept apart from view.ts, which this imports and which never imports this back: nested structs
 * need viewAt to make their child views, so it sits with the makers, not with StructView.
 */
import { InvalidRegionError, Lock } from '@sabkit/atomics-sync';
import { ElementArray } from './array-view.js';
import type { Memo } from './memory.js';
import { type ArrayNode, type Layout, type Node, isData } from './nodes.js';
import { type Make, StructView } from './view.js';

type ViewClass = new (m: Memo, abs: number, layout: Layout) => StructView;
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

/** How to make the live value of a composite node (struct, array, lock) at a byte offset. */
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
    case 'array':
      return arrayMaker(node, where);
    default:
      throw new TypeError(`${node.t} is not a composite field`);
  }
}

function arrayMaker(node: ArrayNode, where: string): Make {
  const elem = node.elem;
  const n = node.length;
  if (elem.t === 'scalar' && elem.kind !== 'bool') {
    const Ctor = TYPED[elem.kind];
    const size = elem.size;
    return (m, abs) =>
      m.fast && abs % size === 0 ? new Ctor(m.buffer as ArrayBuffer, abs, n) : ElementArray.create(m, abs, node, where);
  }
  if (elem.t === 'scalar' || elem.t === 'string') return (m, abs) => ElementArray.create(m, abs, node, where);
  const make = makerOf(elem, `${where}[]`);
  const size = elem.size;
  return (m, abs) => {
    const items = new Array(n);
    for (let i = 0; i < n; i++) items[i] = make(m, abs + i * size);
    return Object.freeze(items);
  };
}

function makeClass(layout: Layout, aligned: boolean): ViewClass {
  const C = class extends StructView {};
  Object.defineProperty(C, 'name', { value: layout.name });
  const slots = layout.fields.filter(
    (f) => f.node.t === 'struct' || f.node.t === 'array' || f.node.t === 'lock',
  ).length;
  let slot = 0;
  for (const f of layout.fields) {
    const where = `${layout.name}.${f.name}`;
    const node = f.node;
    let d: PropertyDescriptor;
    switch (node.t) {
      case 'padding':
        continue;
      case 'scalar':
        // The instance starts at a multiple of layout.natural, a multiple of every scalar size in it.
        d =
          aligned && f.offset % node.size === 0
            ? StructView.typedAccessor(node.kind, f.offset)
            : StructView.dataViewAccessor(node.kind, f.offset);
        break;
      case 'string':
        d = StructView.stringAccessor(f, where);
        break;
      default:
        d = StructView.childAccessor(
          f.offset,
          slot++,
          slots,
          makerOf(node, where),
          isData(node) ? node : undefined,
          where,
        );
    }
    Object.defineProperty(C.prototype, f.name, { ...d, enumerable: true, configurable: false });
  }
  return C;
}

/** A view of a `layout` struct at `abs`: the typed-array class where the offset allows it. */
export function viewAt(layout: Layout, m: Memo, abs: number): StructView {
  const cs = (layout.classes ??= { aligned: makeClass(layout, true), unaligned: makeClass(layout, false) }) as Classes;
  return m.fast && abs % layout.natural === 0 ? new cs.aligned(m, abs, layout) : new cs.unaligned(m, abs, layout);
}
