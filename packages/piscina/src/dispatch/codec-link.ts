/**
 * The value codec the rings use: @sabkit/atomics-sync's `codec` (encodeInto / encode / decode),
 * bound at start-up rather than imported, so that the worker's start does not have to load all of
 * atomics-sync first.
 *
 * Why: a worker pays ~0.5 ms per ES module it loads before its first task, and atomics-sync's
 * index pulls in every primitive (~30 modules), while the rings need only the codec. The main
 * thread binds the codec from the package index (engine/core.ts); a worker binds it from the package's
 * light `core` entry (worker/entry.ts), which its bundle carries, and loads the rest of
 * atomics-sync in the background. Calls go through ES module live bindings, which cost the same
 * as a direct import.
 */

export interface Codec {
  encodeInto(value: unknown, dst: Uint8Array, offset: number, room: number): number;
  /** encodeInto, or 0 for a value that must travel by structured clone (shared memory...). */
  tryEncodeInto(value: unknown, dst: Uint8Array, offset: number, room: number): number;
  encode(value: unknown): Uint8Array;
  decode(src: Uint8Array, offset: number, length: number): unknown;
  /** Whether the last decode's value may hold a sabkit descriptor (else revive() is a no-op). */
  lastDecodeMayRevive(): boolean;
}

function unbound(): never {
  throw new Error('sabkit pool: the ring codec is not bound yet (bindCodec was not called in this thread)');
}

export let encodeInto: Codec['encodeInto'] = unbound;
export let tryEncodeInto: Codec['tryEncodeInto'] = unbound;
export let encode: Codec['encode'] = unbound;
export let decode: Codec['decode'] = unbound;
export let lastDecodeMayRevive: Codec['lastDecodeMayRevive'] = unbound;

export function bindCodec(codec: Codec): void {
  encodeInto = codec.encodeInto;
  tryEncodeInto = codec.tryEncodeInto;
  encode = codec.encode;
  decode = codec.decode;
  lastDecodeMayRevive = codec.lastDecodeMayRevive;
}
