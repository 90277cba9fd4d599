// Runs a command with a time limit that holds for everything it starts. spawnSync's `timeout`
// kills only the direct child: a `node --test` runner killed that way leaves its per-file test
// processes behind, and a hung one (a deadlocked pool's spinning workers) burns a core for ever,
// slowing every later run on the machine (seen here: eight such orphans at once). So the command
// runs in a process group of its own, and on timeout the whole group is killed.
import { spawn } from 'node:child_process';

/**
 * Runs `cmd args` (stdio as given; 'pipe' output is collected as text) and resolves when it exits
 * or, after `timeoutMs`, when its whole process group has been killed with SIGKILL.
 * @returns {Promise<{ status: number | null, signal: string | null, timedOut: boolean, stdout: string,
 *   stderr: string, error?: Error }>}
 */
export function runBounded(cmd, args, { timeoutMs, cwd, env, stdio = 'inherit' } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d) => (stderr += d));
    let timedOut = false;
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, signal: null, timedOut, stdout, stderr, error });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      // Whatever the command left running in its group (a test file's stuck process) goes too.
      killGroup();
      resolve({ status, signal, timedOut, stdout, stderr });
    });
  });
}
