/**
 * A real redis-server for the tests: started on 127.0.0.1 with a free port and a temporary
 * directory (append-only file on, as a production Redis keeps its data across a restart), never
 * the system service. Stopped by stop(), and killed when the test process exits, whatever failed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track } from './children.js';

export function haveRedis(): boolean {
  return spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
}

export function haveOpenssl(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}

/** A CA and a server certificate for 127.0.0.1 in `dir` (P-256 keys: fast to make); returns the CA's path. */
function makeCertificates(dir: string): string {
  const run = (...args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=sabkit-test-ca',
  );
  run(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'ext',
  );
  return join(dir, 'ca.crt');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class TestRedis {
  readonly port: number;
  readonly dir: string;
  readonly password: string | undefined;
  /** With TLS: the CA that signed the server's certificate (PEM file path). */
  readonly caFile: string | undefined;
  #proc: ChildProcess | undefined;

  private constructor(port: number, password?: string, tls?: boolean) {
    this.port = port;
    this.password = password;
    this.dir = mkdtempSync(join(tmpdir(), 'sabkit-redis-'));
    this.caFile = tls ? makeCertificates(this.dir) : undefined;
  }

  /** `tls`: TLS only (no plain port), with a throwaway CA; needs `openssl` (see haveOpenssl). */
  static async start(opts: { password?: string; tls?: boolean } = {}): Promise<TestRedis> {
    if (!haveRedis()) {
      throw new Error('redis-server is not on the PATH: `apt-get install -y redis-server` (.ci/run does it)');
    }
    const r = new TestRedis(await freePort(), opts.password, opts.tls);
    await r.#launch();
    return r;
  }

  get url(): string {
    const scheme = this.caFile ? 'rediss' : 'redis';
    return `${scheme}://${this.password ? `:${this.password}@` : ''}127.0.0.1:${this.port}`;
  }

  async #launch(): Promise<void> {
    const dir = this.dir;
    const listen = this.caFile
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-auth-clients', 'no']
      : ['--port', String(this.port)];
    const certs = this.caFile
      ? ['--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key')]
      : [];
    const args = [
      ...listen,
      ...certs,
      ...(this.caFile ? ['--tls-ca-cert-file', this.caFile] : []),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
      ...(this.password ? ['--requirepass', this.password] : []),
    ];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(proc);
    this.#proc = proc;
    let out = '';
    proc.stdout!.on('data', (d) => (out += d));
    proc.stderr!.on('data', (d) => (out += d));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ping = spawnSync(
        'redis-cli',
        [
          '-p',
          String(this.port),
          ...(this.password ? ['-a', this.password, '--no-auth-warning'] : []),
          ...(this.caFile ? ['--tls', '--cacert', this.caFile] : []),
          'ping',
        ],
        { encoding: 'utf8' },
      );
      if (ping.stdout.trim() === 'PONG') return;
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${this.port}: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Stops the server (SIGTERM: it writes its data, as a restart in production would). */
  async stopServer(): Promise<void> {
    const p = this.#proc;
    this.#proc = undefined;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const timer = setTimeout(() => p.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server and starts it again on the same port and data directory. */
  async restart(downMs = 500): Promise<void> {
    await this.stopServer();
    await new Promise((r) => setTimeout(r, downMs));
    await this.#launch();
  }

  async stop(): Promise<void> {
    await this.stopServer();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
