/**
 * The server under test, run as a child process so it can be killed with SIGKILL
 * — the only honest way to test "the server crashed between storing a message and
 * acking it". It restarts on the same port and DATA_DIR, as a supervisor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { serverNodeArgs } from '../setup/server-bundle.ts';
import { TEST_SERVER_ENV } from '../setup/test-server-options.ts';

export interface ServerProcessOptions {
  repoRoot: string;
  dataDir: string;
  port: number;
  /** Server stdout/stderr are appended here (kept for the failure dump). */
  logFile: string;
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

/**
 * A free port *below* the kernel's ephemeral range. The server is down for a while
 * between a kill and its restart; a port from the ephemeral range can be taken in
 * that window as the source port of some outgoing connection (even one of our own
 * proxies connecting to it: a TCP self-connect on loopback), and the restart would
 * fail with EADDRINUSE for reasons that have nothing to do with Pigeon.
 */
/**
 * Ports already given to a run in this process. A killed server leaves its port free until
 * its restart; a run beside it must not take it meanwhile.
 */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  let low = 32768;
  try {
    low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low;
  } catch {
    // not Linux: keep the usual default
  }
  const floor = Math.max(1024, low - 12_000);
  for (let attempt = 0; attempt < 50; attempt++) {
    // Not from the seed: which port the server gets has no effect on the run.
    const port = floor + Math.floor(Math.random() * (low - floor));
    if (handedOut.has(port)) continue;
    if (await canListen(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port below the ephemeral range');
}

async function canListen(port: number): Promise<boolean> {
  const srv = net.createServer();
  const ok = await new Promise<boolean>((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise<void>((resolve) => srv.close(() => resolve()));
  return ok;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Last line of defence: if the harness itself dies (an uncaught error, Ctrl-C, a test
// timeout), no server child may outlive it and hold its port.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const c of live) c.kill('SIGKILL');
      process.exit(130);
    });
  }
}

export class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  starts = 0;
  kills = 0;
  lastExit = '';

  constructor(private readonly options: ServerProcessOptions) {}

  get dataDir(): string {
    return this.options.dataDir;
  }

  get port(): number {
    return this.options.port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  isRunning(): boolean {
    return this.child !== null;
  }

  async start(): Promise<void> {
    if (this.child) return;
    // Compiled once per test process (server-bundle.ts); a failed bundle throws here with esbuild's message.
    const nodeArgs = await serverNodeArgs();
    const { repoRoot, dataDir, port, logFile } = this.options;
    fs.mkdirSync(dataDir, { recursive: true });
    const log = fs.openSync(logFile, 'a');
    fs.writeSync(log, `\n--- start #${this.starts + 1} at ${new Date().toISOString()} ---\n`);
    // The store and secret come from DATA_DIR alone, as in production without Mongo or
    // Redis: a JWT secret that did not survive a restart would sign every device out.
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.MONGODB_URI;
    delete env.REDIS_URL;
    delete env.JWT_SECRET;
    Object.assign(env, {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SEND_RATE_LIMIT: '0',
      LOG_LEVEL: 'warn',
      ...TEST_SERVER_ENV,
      ...this.options.env,
    });
    const child = spawn(process.execPath, nodeArgs, {
      cwd: repoRoot,
      env,
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    track(child);
    this.child = child;
    this.starts++;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        // Who ended it matters when reading a failure: our SIGKILL, a crash, or someone else.
        this.lastExit = `code ${code} signal ${signal}`;
        fs.appendFileSync(logFile, `--- exit: ${this.lastExit} at ${new Date().toISOString()} ---\n`);
        if (this.child === child) this.child = null;
        resolve();
      }),
    );
    // Generous: on a loaded 2-core machine, with other nodes and FerretDB starting beside it, tsx alone can take 30 s.
    await this.waitHealthy(this.options.startTimeoutMs ?? 90_000);
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`server exited during start (${this.lastExit}); see ${this.options.logFile}`);
      try {
        const res = await fetch(`${this.url}/api/health`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`server not healthy after ${timeoutMs} ms; see ${this.options.logFile}`);
  }

  /** SIGKILL: no shutdown hooks, no flush — whatever SQLite committed is all there is. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.kills++;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Graceful stop at the end of a run (SIGTERM, then SIGKILL if it hangs). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(5000).then(() => true)]);
    if (timedOut && this.child === child) {
      child.kill('SIGKILL');
      await this.exited;
    }
  }
}
