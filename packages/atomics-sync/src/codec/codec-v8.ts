/**
 * The codec's general case (codec.ts, TAG_V8): values outside its fast paths go through node:v8's
 * serializer.
 *
 * node:v8 is loaded on first use, not with the codec: it costs ~0.5 ms in a new worker (measured
 * here), and a worker whose values are all numbers and strings, such as a pool worker running
 * numeric tasks, never needs it. It is loaded with process.getBuiltinModule, so atomics-sync still
 * imports in runtimes without it (browsers, Deno without node compatibility); there, and where
 * node:v8 cannot read back what it writes (Bun 1.4: no Deserializer), such values are refused with
 * an InvalidArgumentError that names the limitation (the runtime's structuredClone cannot produce
 * bytes). The pool catches that and sends the value by structured clone through the worker's port.
 */
import { InvalidArgumentError, describe } from '../errors.js';

interface DeserializerLike {
  readHeader(): boolean;
  readValue(): unknown;
}
interface V8Like {
  serialize(value: unknown): Uint8Array;
  DefaultDeserializer: new (bytes: Uint8Array) => DeserializerLike;
}

let v8: V8Like | undefined;
let loaded = false;
/** Why there is no usable node:v8 here, for the error message. */
let missing = 'this runtime has no node:v8';
let Deserializer: (new (bytes: Uint8Array) => DeserializerLike) | undefined;
const typedArraySlice = Object.getPrototypeOf(Uint8Array.prototype).slice as (this: ArrayBufferView) => ArrayBufferView;

function loadV8(): V8Like | undefined {
  if (loaded) return v8;
  loaded = true;
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    v8 = p?.getBuiltinModule?.('node:v8') as V8Like | undefined;
  } catch {
    v8 = undefined;
  }
  // Bun has node:v8's serialize() but its deserializer throws NotImplementedError: bytes it would
  // write could never be read back (not here, not in another thread of the same runtime). A
  // runtime that cannot round-trip one value counts as having no node:v8, so such values are
  // refused when written (the pool then sends them by structured clone through the worker's port).
  if (v8 !== undefined && !roundTrips(v8)) {
    v8 = undefined;
    missing = "this runtime's node:v8 cannot deserialise (Bun)";
  }
  const m = v8;
  if (m !== undefined) {
    // Node's deserializer returns typed arrays (its "host objects") as views INTO the input bytes,
    // so decoded straight from a ring they would alias shared memory that the next message
    // overwrites. This subclass copies each one into its own exact-size buffer, as structured
    // clone gives.
    Deserializer = class extends m.DefaultDeserializer {
      _readHostObject(): unknown {
        const view = (
          m.DefaultDeserializer.prototype as unknown as { _readHostObject(): ArrayBufferView }
        )._readHostObject.call(this);
        if (view instanceof DataView) {
          return new DataView(new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice().buffer);
        }
        return typedArraySlice.call(view);
      }
    };
  }
  return v8;
}

function roundTrips(m: V8Like): boolean {
  try {
    const d = new m.DefaultDeserializer(m.serialize(1));
    d.readHeader();
    return d.readValue() === 1;
  } catch {
    return false;
  }
}

/** node:v8's serialisation of `value`, or an InvalidArgumentError that says why it has none. */
export function v8Serialize(value: unknown): Uint8Array {
  const m = loadV8();
  if (!m) {
    throw new InvalidArgumentError(
      `cannot encode ${describe(value)}: the codec's own encoder carries structured-clone data (objects, ` +
        `arrays, Map, Set, Date, RegExp, errors, typed arrays, primitives), not this, and ${missing} to fall ` +
        'back on',
    );
  }
  try {
    return m.serialize(value);
  } catch (e) {
    const shared = /SharedArrayBuffer/.test(String((e as Error)?.message));
    throw new InvalidArgumentError(
      `cannot encode ${describe(value)}: ${(e as Error)?.message ?? e}` +
        (shared
          ? ' (SharedArrayBuffers and sabkit objects cannot travel through a queue or pipe: pass them once ' +
            'through workerData or postMessage)'
          : ''),
      { cause: e },
    );
  }
}

/** The value node:v8 serialised into `bytes`; typed arrays come out as copies. */
export function v8Deserialize(bytes: Uint8Array): unknown {
  loadV8();
  if (!Deserializer) throw new InvalidArgumentError(`cannot decode a v8-serialised value: ${missing}`);
  const d = new Deserializer(bytes);
  d.readHeader();
  return d.readValue();
}
