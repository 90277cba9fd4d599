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
 *
 * Recovery is what makes the round trip robust. A round trip needs both of its sites spinning
 * (main for the result, the worker for the next request): while either parks, the other meets a
 * parked peer and parks too (a "slow stable state" of a futex wake-up each way, ~25 µs each here).
 * With recovery by the moving average alone, a site that had gone off needed about five probe
 * successes in a row (one in PROBE_EVERY waits each), and the two sites' probes had to coincide:
 * a few milliseconds of preemption by another process (a time slice) left whole benchmark rounds
 * of 20k round trips in the slow state. So a probe that succeeds turns the site back on at once,
 * at RESUME_RATE: the peer answered within the budget, the load is gone. If it is not, the site
 * is off again after the few failures it takes to fall below MIN_SUCCESS from there.
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
/**
 * The rate a successful probe restores: from here FAILURES_TO_STOP failures in a row switch the
 * site off again (0.75 * (1 - WEIGHT)^n < MIN_SUCCESS for n = 4), so under a load that persists a
 * probe's success costs at most four wasted spin budgets.
 */
const RESUME_RATE = 0.75;

export class AdaptiveSpin {
  #rate = 1;
  #waits = 0;

  /** Whether the next wait should spin first. */
  shouldSpin(): boolean {
    return this.#rate >= MIN_SUCCESS || (++this.#waits & (PROBE_EVERY - 1)) === 0;
  }

  /** Records whether a spin saw what it waited for. */
  record(success: boolean): void {
    if (success && this.#rate < MIN_SUCCESS) this.#rate = RESUME_RATE;
    else this.#rate += ((success ? 1 : 0) - this.#rate) * WEIGHT;
  }

  /** Whether spinning is on now (not counting probes): for tests and diagnostics. */
  get spinning(): boolean {
    return this.#rate >= MIN_SUCCESS;
  }
}

/** Failures in a row that switch a site off from RESUME_RATE (documented above; pinned by a test). */
export const FAILURES_TO_STOP = 4;
export const SPIN_PROBE_EVERY = PROBE_EVERY;
