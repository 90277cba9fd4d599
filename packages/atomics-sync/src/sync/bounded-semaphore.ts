/**
 * BoundedSemaphore: Python's `threading.BoundedSemaphore`. A Semaphore whose value may never
 * exceed its initial value: a release beyond it throws SemaphoreOverflowError and changes nothing
 * (Python's ValueError('Semaphore released too many times')), which catches releases that were
 * never matched by an acquire.
 *
 * Layout: the Semaphore's (semaphore.ts, 256 bytes), with word 2 INITIAL = the bound, written
 * once by the constructor and read by every thread's release. Kind tag "BoundedSemaphore".
 * Robustness: as Semaphore; recovery never makes a permit, so the value never exceeds INITIAL.
 *
 * Layout: docs/layouts/semaphore.md
 */
import { expectDescriptor, registerKind, type SharedDescriptor } from '../runtime/shared.js';
import { Semaphore, attachSemaphore } from './semaphore.js';

/**
 * `new BoundedSemaphore(value = 1, region?)`: a bounded semaphore with `value` permits, which is
 * also the most it may ever hold. (No constructor of its own: Semaphore's receives every argument,
 * including the one `from` passes to attach.)
 */
export class BoundedSemaphore extends Semaphore {
  protected static override readonly kind: string = 'BoundedSemaphore';

  declare readonly __sabkit: 'BoundedSemaphore';

  /** Makes a BoundedSemaphore that travelled through postMessage / workerData live again. */
  static override from(value: unknown): BoundedSemaphore {
    return attachSemaphore(BoundedSemaphore, expectDescriptor<SharedDescriptor>(value, 'BoundedSemaphore'));
  }
}

registerKind('BoundedSemaphore', (d) => BoundedSemaphore.from(d));
