/**
 * Whether spinning is paying off, per waiting site: spin-then-park with the spin switched off
 * while it keeps failing, in the manner of adaptive mutexes (glibc's PTHREAD_MUTEX_ADAPTIVE_NP,
 * HotSpot's adaptive spinning).
 *
 * A spin is a success when what the thread waits for arrives within the spin budget. On an idle
 * 2-core machine that is the normal case for short tasks (round trips of a few µs); on a loaded
 * machine the other party is often descheduled, the spin only burns a core that some other
 * thread needs, and both sides would end up paying spin + park on every round trip. The success
 * rate is a moving average; below MIN_SUCCESS the site parks at once, except for one probe spin in
 * PROBE_EVERY waits, which lets it recover when the load goes away.
 */

/**
 * Spins stop paying when fewer than this share of them succeed: a success saves about what a
 * failure costs (a park and wake-up vs. the spin budget, both ~25-30 µs), so break-even is half.
 */
const MIN_SUCCESS = 0.5;
/** Weight of the newest outcome in the moving success rate. */
const WEIGHT = 0.125;
/** While spinning is off, every PROBE_EVERY-th wait spins anyway to measure again (power of 2). */
const PROBE_EVERY = 8;

export class AdaptiveSpin {
  #rate = 1;
  #waits = 0;

  /** Whether the next wait should spin first. */
  shouldSpin(): boolean {
    return this.#rate >= MIN_SUCCESS || (++this.#waits & (PROBE_EVERY - 1)) === 0;
  }

  /** Records whether a spin saw what it waited for. */
  record(success: boolean): void {
    this.#rate += ((success ? 1 : 0) - this.#rate) * WEIGHT;
  }
}
