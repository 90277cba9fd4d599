// What every test page of the browser suite shares: its assertions and the loop that runs its
// cases and hands the results to run-browser.mjs (window.__sabkitResults).

/** Throws unless `a` and `b` have the same JSON. */
export function eq(a, b, what) {
  const sa = JSON.stringify(a);
  const sb = JSON.stringify(b);
  if (sa !== sb) throw new Error(`${what}: expected ${sb}, got ${sa}`);
}

/** `p` (a promise or a function) must fail with an instance of `cls` whose message matches `re`, within `ms`. */
export async function rejects(p, cls, re, what, ms = 15_000) {
  let timer;
  const hang = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms (a hang)`)), ms);
  });
  try {
    await Promise.race([typeof p === 'function' ? Promise.resolve().then(p) : p, hang]);
  } catch (e) {
    if (!(e instanceof cls) || !re.test(e.message)) throw new Error(`${what}: wrong error ${e?.stack ?? e}`);
    return e;
  } finally {
    clearTimeout(timer);
  }
  throw new Error(`${what}: did not fail`);
}

/**
 * Runs, one after the other, the cases this page load is for: a case whose name says
 * "no SharedArrayBuffer" runs only on the page served without COOP/COEP, every other one only on
 * the isolated page; with `missingWorker`, a case named `missing-worker: …` runs only on the copy of
 * the build whose worker scripts were removed, and the others only on the complete build.
 */
export async function runCases(cases, { missingWorker = false } = {}) {
  const results = [];
  const workerless = location.pathname.includes('/missing-worker/');
  for (const [name, fn] of Object.entries(cases)) {
    const wantsNoSab = name.includes('no SharedArrayBuffer');
    if (wantsNoSab === globalThis.crossOriginIsolated) continue;
    if (missingWorker && !wantsNoSab && name.startsWith('missing-worker:') !== workerless) continue;
    try {
      await fn();
      results.push({ name, ok: true });
    } catch (e) {
      results.push({ name, ok: false, error: String(e?.stack ?? e) });
    }
  }
  window.__sabkitResults = results;
}
