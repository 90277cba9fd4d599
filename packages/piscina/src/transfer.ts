/**
 * `move(value)`: marks a value to be transferred rather than copied when it crosses to the other
 * thread (piscina's Transferable protocol). A moved value travels by MessagePort with a transfer
 * list; everything else travels through the shared-memory rings.
 *
 * An object implements Transferable by exposing `[transferableSymbol]` (what goes in the transfer
 * list: one transferable or an array of them) and `[valueSymbol]` (what is sent in its place).
 * move() wraps ArrayBuffers, typed arrays and MessagePorts in such an object and marks it; only the
 * top-level value of a task or result is inspected, as in piscina.
 */
import { InvalidArgumentError, describe } from '@sabkit/atomics-sync/core';
import { MessagePort } from 'node:worker_threads';
import { isMovable, isTransferable, kTransferable, kValue, markMovable, type Transferable } from './movable.js';

export {
  isMovable,
  isTransferable,
  kQueueOptions,
  kTransferable,
  kValue,
  unwrapMovable,
  type Transferable,
} from './movable.js';

class Moved implements Transferable {
  readonly #transfer: object;
  readonly #value: object;
  constructor(transfer: object, value: object) {
    this.#transfer = transfer;
    this.#value = value;
  }
  get [kTransferable](): object {
    return this.#transfer;
  }
  get [kValue](): object {
    return this.#value;
  }
}

type Movable = Transferable | ArrayBuffer | ArrayBufferView | MessagePort;

type Primitive = null | undefined | string | number | boolean | bigint | symbol;

/**
 * Marks `value` to be transferred, not cloned, when returned from a task (or passed to run()).
 * A primitive or null (nothing to transfer) is returned as it is, as piscina does. Throws
 * InvalidArgumentError for an object that cannot be transferred. Do not nest the result inside
 * another object: only a top-level moved value is transferred.
 */
export function move<T extends Primitive>(value: T): T;
export function move(value: Movable): Transferable;
export function move(value: Movable | Primitive): Transferable | Primitive {
  if (typeof value !== 'object' || value === null) return value as Primitive;
  if (isMovable(value)) return value;
  let out: Transferable;
  if (isTransferable(value)) {
    out = value;
  } else if (value instanceof ArrayBuffer || value instanceof MessagePort) {
    out = new Moved(value, value);
  } else if (ArrayBuffer.isView(value)) {
    if (!(value.buffer instanceof ArrayBuffer)) {
      throw new InvalidArgumentError(
        `move(value): the view's buffer is a ${describe(value.buffer)}; only ArrayBuffer-backed views can ` +
          `be transferred (a SharedArrayBuffer is shared, not moved)`,
      );
    }
    out = new Moved(value.buffer, value);
  } else {
    throw new InvalidArgumentError(
      `move(value): value must be an ArrayBuffer, a typed array or DataView, a MessagePort, or a ` +
        `Transferable; got ${describe(value)}`,
    );
  }
  markMovable(out);
  return out;
}
