// CI must not pass by skipping. With `CI` set (the harness sets it, and .ci/run exports CI=1), the
// switches that narrow a local run are refused rather than obeyed, and a runtime or tool a test
// needs must be there: run-tests.mjs, fetch-node24.mjs, piscina-compat's run-suite.mjs and
// runtimes' run.mjs call refuseNarrowingInCI() first, and treat a missing runtime as a failure
// when isCI().
export const NARROWING_VARS = ['SABKIT_SKIP_NODE24', 'SABKIT_TEST_ONLY', 'SABKIT_RUNTIME_ONLY'];

/** True when running in CI: `CI` set to anything but '' / '0' / 'false' (GitHub, GitLab, .ci/run). */
export function isCI(env = process.env) {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/** Exits with status 1, naming the variable, if CI is set together with a switch that skips tests. */
export function refuseNarrowingInCI(who, env = process.env) {
  if (!isCI(env)) return;
  const set = NARROWING_VARS.filter((k) => env[k] !== undefined && env[k] !== '');
  if (set.length === 0) return;
  console.error(
    `${who}: ${set.map((k) => `${k}=${env[k]}`).join(', ')} refused: with CI set every test runs on every ` +
      'runtime (unset it, or unset CI for a local run)',
  );
  process.exit(1);
}
