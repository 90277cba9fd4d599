/**
 * The sharing protocol: how records, StructArrays and struct types cross to another thread, and
 * what the receiving side checks. A record or array travels as its memory plus its type's schema
 * (`__schema`, what toSchema() writes); the receiver rebuilds the layout from that schema.
 *
 * This module sits below both struct-type.ts and struct-array.ts, so neither has to import the
 * other to revive or check a value: struct-type.ts imports struct-array.ts (Type.array), and a
 * StructArray reaches the StructType of a received schema through atomics-sync's struct-type
 * factory registry, as atomics-sync's own Value and SharedArray do.
 */
import { ReviveError, describe, structTypeFromSchema } from '@sabkit/atomics-sync/core';
import { StructSchemaError } from './errors.js';
import { type LayoutOptions, buildLayout, describeLayout } from './layout.js';
import { LAYOUT, type Layout } from './nodes.js';
import { LOCK_SPEC, SCALAR_LIST } from './specs.js';
import type { ScalarKind } from './scalars.js';
import type { ArraySpec, FieldSpec, FieldsSpec, StringOverflow, StructSchema, StructTypeSpec } from './types.js';

/** Kind of a struct instance in the sharing protocol. */
export const STRUCT_KIND = 'Struct';
/** Kind of a StructArray in the sharing protocol. */
export const STRUCT_ARRAY_KIND = 'StructArray';
/** The StructTypeLike kind under which typed-struct's factory is registered. */
export const STRUCT_TYPE_KIND = 'typed-struct';

/** Canonical key of a received schema ('' if it cannot be one), to compare with Layout.key. */
export function schemaKey(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return '';
  try {
    return JSON.stringify(schema);
  } catch {
    return '';
  }
}

/**
 * The layout a schema describes; StructSchemaError if it describes none. Nested structs are made
 * by `structFrom` (StructType.fromSchema, so that they are the thread's cached types); by default
 * they are bare objects carrying only their layout, enough to compare and describe.
 */
export function layoutFromSchema(schema: unknown, structFrom: (schema: unknown) => object = bareStruct): Layout {
  const s = checkSchema(schema);
  const entries = s.fields.map(([n, fs]) => [n, specFromSchema(fs, `${s.name}.${String(n)}`, structFrom)] as const);
  return buildLayout(s.name, entries, s.options);
}

function bareStruct(schema: unknown): object {
  return { [LAYOUT]: layoutFromSchema(schema) };
}

/** ReviveError unless `schema` describes the same layout as `layout`. */
export function checkSameType(layout: Layout, schema: unknown, who: string): void {
  if (schema === layout.schema || schemaKey(schema) === layout.key) return;
  let other: Layout;
  try {
    other = layoutFromSchema(schema);
  } catch (e) {
    throw new ReviveError(`${who}: the value's schema is not a valid struct schema: ${(e as Error).message}`);
  }
  if (other.key !== layout.key) {
    throw new ReviveError(`${who}: the value is a serialised ${describeLayout(other)}, not a ${layout.name}`);
  }
}

/** This thread's struct type for a received schema (StructType.fromSchema, by way of its registration). */
export function typeFromSchema<F extends FieldsSpec>(schema: unknown): StructTypeSpec<F> {
  return structTypeFromSchema(STRUCT_TYPE_KIND, schema) as unknown as StructTypeSpec<F>;
}

/**
 * Field spec from its schema form (as toSchema wrote it, possibly after structured clone or
 * JSON); nested structs are built by `structFrom`.
 */
function specFromSchema(fs: unknown, where: string, structFrom: (s: unknown) => object): FieldSpec {
  if (typeof fs === 'string') return fs as ScalarKind; // nodeOf checks the name
  if (typeof fs === 'object' && fs !== null) {
    const o = fs as Record<string, unknown>;
    const keys = Object.keys(o);
    const only = (...names: string[]) => keys.includes(names[0]) && keys.every((k) => names.includes(k));
    // Shapes only; nodeOf checks the values.
    if (only('scalar', 'endian')) return { kind: 'scalar', type: o.scalar, endian: o.endian } as FieldSpec;
    if (only('bits', 'width', 'unnamed'))
      return { kind: 'bits', type: o.bits, width: o.width, unnamed: o.unnamed === true } as FieldSpec;
    if (only('enum', 'names', 'read'))
      return { kind: 'enum', type: o.enum, names: o.names, read: o.read ?? 'name' } as FieldSpec;
    if (only('bytes')) return { kind: 'bytes', length: o.bytes } as FieldSpec;
    if (only('flexible'))
      return { kind: 'flex', element: specFromSchema(o.flexible, `${where}[]`, structFrom) } as FieldSpec;
    if (keys.includes('array') && keys.every((k) => k === 'array' || k === 'length')) {
      return {
        kind: 'array',
        element: specFromSchema(o.array, `${where}[]`, structFrom) as ArraySpec['element'],
        length: o.length as number,
      };
    }
    if (keys.includes('string') && keys.every((k) => k === 'string' || k === 'overflow')) {
      return { kind: 'string', capacity: o.string as number, overflow: (o.overflow ?? 'error') as StringOverflow };
    }
    if (keys.length === 1 && keys[0] === 'padding') return { kind: 'padding', byteLength: o.padding as number };
    if (keys.length === 1 && keys[0] === 'lock' && o.lock === true) return LOCK_SPEC;
    if (keys.length === 1 && keys[0] === 'struct') return structFrom(o.struct) as FieldSpec;
  }
  throw new StructSchemaError(
    `${where}: unknown field type ${describe(fs)} in schema; expected one of ${SCALAR_LIST}, { scalar, endian }, ` +
      '{ array, length }, { string, overflow }, { bytes }, { bits, width, unnamed }, { enum, names, read }, ' +
      '{ flexible }, { padding }, { lock: true } or { struct }',
  );
}

/** Checks the outer shape of a schema and returns its parts. */
function checkSchema(schema: unknown): {
  name: string;
  options: LayoutOptions;
  fields: readonly (readonly [unknown, unknown])[];
} {
  const s = schema as Partial<StructSchema> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    !Array.isArray(s.fields) ||
    typeof s.name !== 'string' ||
    typeof s.packed !== 'boolean' ||
    (s.union !== undefined && s.union !== true) ||
    (s.checked !== undefined && s.checked !== true) ||
    (s.endian !== undefined && s.endian !== 'big')
  ) {
    throw new StructSchemaError(
      'StructType.fromSchema(schema): schema must be { name: string, packed: boolean, union?: true, ' +
        `endian?: 'big', checked?: true, fields: [name, field][] }, got ${describe(schema)}`,
    );
  }
  for (const e of s.fields) {
    if (!Array.isArray(e) || e.length !== 2)
      throw new StructSchemaError(
        `StructType.fromSchema(schema): struct ${s.name}: each field must be a [name, type] pair, got ${describe(e)}`,
      );
  }
  const options: LayoutOptions = {
    packed: s.packed,
    union: s.union === true,
    endian: s.endian ?? 'little',
    checked: s.checked === true,
  };
  return { name: s.name, options, fields: s.fields };
}
