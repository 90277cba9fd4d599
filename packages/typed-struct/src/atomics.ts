/**
 * Atomic operations on integer fields: the global Atomics with (record, fieldName) in place of
 * (typedArray, index), on the same memory the field accessors use.
 *
 *     atomics.add(counter, 'hits', 1);                     // returns the old value, like Atomics.add
 *     atomics.compareExchange(slot, 'state', 0, 1);
 *     atomics.add(p.stats, 'count', 1n);                   // nested record; i64/u64 take bigint
 *
 * Integer fields only (i8 … u64); the field must be naturally aligned in memory, which every
 * field of a non-packed struct is. A packed struct's misaligned fields, floats, bools, strings and
 * composite fields are refused with AtomicFieldError before anything is touched. For an integer
 * array field in an aligned struct, `p.counts` is a real typed array: use the global Atomics on it.
 * Atomics work on ArrayBuffer memory too, but only SharedArrayBuffer memory is shared.
 */
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync/core';
import { AtomicFieldError } from './errors.js';
import { describeNode, hasProperty, type Layout } from './nodes.js';
import type { Memo } from './memory.js';
import { SCALARS } from './scalars.js';
import type { AnyStruct, AtomicKey, AtomicValue } from './types.js';
import { OFF, StructView } from './view.js';

type IntArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;
type Val<T, K extends string> = AtomicValue<T, K>;
type IntKind = 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64';

const CTORS = {
  i8: Int8Array,
  u8: Uint8Array,
  i16: Int16Array,
  u16: Uint16Array,
  i32: Int32Array,
  u32: Uint32Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
} as const;

/** What an atomic operation needs to know about one field, worked out once per type and field. */
class Slot {
  /** The typed array of `kind` over the last memory this field was reached in (a one-entry cache). */
  memo: Memo | undefined = undefined;
  array: IntArray | undefined = undefined;
  constructor(
    readonly kind: IntKind | undefined,
    readonly offset: number,
    readonly size: number,
    readonly shift: number,
    /** Why the field takes no atomic operation (not an integer), or undefined. */
    readonly refusal: string | undefined,
  ) {}
}

/**
 * The slots of a layout's fields, by name, in an object without prototype: a keyed load on a
 * fast-mode object measured about twice as fast as Map.get here.
 */
function SlotTable(): void {}
SlotTable.prototype = Object.create(null);

function slotsOf(layout: Layout): Record<string, Slot> {
  // No Object.prototype below it: any identifier is a field name, `constructor` and `__proto__`
  // included. (A constructor's instance rather than Object.create(null), which V8 keeps in slow mode.)
  const slots = new (SlotTable as unknown as new () => Record<string, Slot>)();
  for (const f of layout.fields) {
    if (!hasProperty(f.node)) continue;
    const node = f.node;
    const ok = node.t === 'scalar' && SCALARS[node.kind].integer && node.endian === 'little';
    const info = node.t === 'scalar' ? SCALARS[node.kind] : undefined;
    slots[f.name] = new Slot(
      ok ? (node.kind as IntKind) : undefined,
      f.offset,
      info?.size ?? 1,
      info?.shift ?? 0,
      ok
        ? undefined
        : `the field is ${describeNode(node)}; atomic operations need a little-endian integer field (i8, u8, ` +
            'i16, u16, i32, u32, i64, u64; not a bit-field, an enum or a big-endian integer)',
    );
  }
  layout.atomicSlots = slots;
  return slots;
}

function slotOf(layout: Layout, field: unknown): Slot | undefined {
  const slot = ((layout.atomicSlots as Record<string, Slot> | undefined) ?? slotsOf(layout))[field as string];
  return slot instanceof Slot ? slot : undefined;
}

// The resolved target of the current call; module scratch so each call allocates nothing.
let ta: IntArray = new Int32Array(0);
let idx = 0;

/** Points `ta`/`idx` at the field; the common case is short enough to inline, the rest is outlined. */
function resolve(target: unknown, field: unknown, op: string): void {
  if (StructView.isView(target)) {
    const layout = StructView.layoutOf(target);
    const slot = ((layout.atomicSlots as Record<string, Slot> | undefined) ?? slotsOf(layout))[field as string];
    if (slot !== undefined && slot.kind !== undefined) {
      const abs = target[OFF] + slot.offset;
      const m = StructView.memoOf(target);
      if ((abs & (slot.size - 1)) === 0 && m.fast) {
        if (slot.memo !== m) {
          slot.memo = m;
          slot.array = m[slot.kind];
        }
        ta = slot.array!;
        idx = abs >>> slot.shift;
        return;
      }
    }
  }
  resolveSlow(target, field, op);
}

function resolveSlow(target: unknown, field: unknown, op: string): void {
  if (!StructView.isView(target))
    throw new InvalidArgumentError(
      `atomics.${op}(target, field): target must be a struct record, got ${describe(target)}`,
    );
  const layout = StructView.layoutOf(target);
  const slot = slotOf(layout, field);
  if (slot === undefined)
    throw new InvalidArgumentError(`atomics.${op}(target, field): ${layout.name} has no field ${describe(field)}`);
  const where = `atomics.${op}(${layout.name}.${String(field)})`;
  if (slot.kind === undefined) throw new AtomicFieldError(`${where}: ${slot.refusal}`);
  const abs = target[OFF] + slot.offset;
  if (abs % slot.size !== 0) {
    throw new AtomicFieldError(
      `${where}: the field is at byte ${abs} of its buffer, not a multiple of its size ${slot.size} (a ` +
        `packed struct left it misaligned), and Atomics can only reach aligned elements`,
    );
  }
  // A buffer over 4 GiB: a one-element view of the field.
  ta = new CTORS[slot.kind](StructView.memoOf(target).buffer as ArrayBuffer, abs, 1);
  idx = 0;
}

/* biome-ignore lint/suspicious/noExplicitAny: the global Atomics is typed per array kind; this
   calls it over any of them */
const A = Atomics as any;

/**
 * Atomics on a record's integer fields (`atomics.add(p, 'hits', 1)`): `load store add sub and or
 * xor exchange compareExchange`, with `bigint` for i64/u64. A field that is not an integer (or is
 * misaligned in a packed struct) throws `AtomicFieldError`.
 */
export const atomics = {
  /** Atomics.load of the field. */
  load<T extends AnyStruct, K extends AtomicKey<T>>(target: T, field: K): Val<T, K> {
    resolve(target, field, 'load');
    return A.load(ta, idx);
  },
  /** Atomics.store; returns the value stored. */
  store<T extends AnyStruct, K extends AtomicKey<T>>(target: T, field: K, value: Val<T, K>): Val<T, K> {
    resolve(target, field, 'store');
    return A.store(ta, idx, value);
  },
  /** Adds `value` (wrapping); returns the old value. */
  add<T extends AnyStruct, K extends AtomicKey<T>>(target: T, field: K, value: Val<T, K>): Val<T, K> {
    resolve(target, field, 'add');
    return A.add(ta, idx, value);
  },
  /** Subtracts `value` (wrapping); returns the old value. */
  sub<T extends AnyStruct, K extends AtomicKey<T>>(target: T, field: K, value: Val<T, K>): Val<T, K> {
    resolve(target, field, 'sub');
    return A.sub(ta, idx, value);
  },
  /** Bitwise and; returns the old value. */
  and<T extends AnyStruct, K extends AtomicKey<T>>(target: T, field: K, value: Val<T, K>): Val<T, K> {
    resolve(target, field, 'and');
    return A.and(ta, idx, value);
  },
  /** Bitwise or; returns the old value. */
  or<T extends AnyStruct, K extends AtomicKey<T>>(target: T, field: K, value: Val<T, K>): Val<T, K> {
    resolve(target, field, 'or');
    return A.or(ta, idx, value);
  },
  /** Bitwise xor; returns the old value. */
  xor<T extends AnyStruct, K extends AtomicKey<T>>(target: T, field: K, value: Val<T, K>): Val<T, K> {
    resolve(target, field, 'xor');
    return A.xor(ta, idx, value);
  },
  /** Stores `value`; returns the old value. */
  exchange<T extends AnyStruct, K extends AtomicKey<T>>(target: T, field: K, value: Val<T, K>): Val<T, K> {
    resolve(target, field, 'exchange');
    return A.exchange(ta, idx, value);
  },
  /** Stores `replacement` if the field holds `expected`; returns the value it held (=== expected on success). */
  compareExchange<T extends AnyStruct, K extends AtomicKey<T>>(
    target: T,
    field: K,
    expected: Val<T, K>,
    replacement: Val<T, K>,
  ): Val<T, K> {
    resolve(target, field, 'compareExchange');
    return A.compareExchange(ta, idx, expected, replacement);
  },
};
