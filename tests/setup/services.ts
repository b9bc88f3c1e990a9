/**
 * Starting and stopping the external servers the test projects need (FerretDB,
 * redis-server) as child processes on 127.0.0.1. The global setups that use this
 * are tests/setup/mongo.ts and tests/setup/redis.ts; vitest.config.ts gives each
 * project only the ones it needs.
 *
 * A service that should be there and fails to come up throws: a suite that
 * silently skips would look like a pass.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FERRETDB_SCRIPT = join(REPO, 'scripts', 'ferretdb.sh');
export const REDIS_SERVER = process.env.PIGEON_REDIS_SERVER ?? '/usr/bin/redis-server';
const START_TIMEOUT_MS = 30_000;

export interface Service {
  url: string;
  /** The server's output; removed by stop(), so read it first when it is wanted. */
  logFile: string;
  stop(): Promise<void>;
}

export function log(text: string): void {
  console.log(`[services] ${text}`);
}

/** Installs FerretDB into the cache when missing (a Go build; loud on failure) and returns its path. */
export function ferretdbBinary(): string {
  const install = spawnSync('bash', [FERRETDB_SCRIPT, 'install'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (install.status !== 0) {
    throw new Error(
      `scripts/ferretdb.sh install failed (exit ${install.status ?? install.signal}). ` +
        'Install Go, or set MONGODB_URI to a MongoDB server, or PIGEON_TEST_MONGO=0 to skip the MongoDB tests.',
    );
  }
  const path = spawnSync('bash', [FERRETDB_SCRIPT, 'path'], { encoding: 'utf8' }).stdout.trim();
  if (!path || !existsSync(path)) throw new Error(`FerretDB binary not found after install: "${path}"`);
  return path;
}

class PortInUse extends Error {}

/** A free port can be taken by someone else between our probe and the server's bind: retry then. */
export async function startWithPortRetry(start: (port: number) => Promise<Service>): Promise<Service> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (err instanceof PortInUse && attempt < 3) continue;
      throw err;
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export async function startFerretDb(bin: string, port: number): Promise<Service> {
  const dir = await mkdtemp(join(tmpdir(), 'pigeon-ferretdb-'));
  const logFile = join(dir, 'ferretdb.log');
  const url = `mongodb://127.0.0.1:${port}/`;
  const child = spawnLogged(
    bin,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--state-dir=${dir}`,
      `--listen-addr=127.0.0.1:${port}`,
      // The default debug listener is a fixed port (8088): two runs would collide.
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=warn',
    ],
    logFile,
  );
  return ready(child, dir, logFile, 'FerretDB', url, async () => {
    const client = new MongoClient(url, { serverSelectionTimeoutMS: 1000, connectTimeoutMS: 1000 });
    try {
      await client.db('admin').command({ ping: 1 });
    } finally {
      await client.close();
    }
  });
}

export async function startRedis(port: number): Promise<Service> {
  const dir = await mkdtemp(join(tmpdir(), 'pigeon-redis-'));
  const logFile = join(dir, 'redis.log');
  const child = spawnLogged(
    REDIS_SERVER,
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
    logFile,
  );
  return ready(child, dir, logFile, 'redis-server', `redis://127.0.0.1:${port}`, () => redisPing(port));
}

/** Waits until `probe` passes; on failure stops the child and removes its dir before throwing. */
async function ready(child: ChildProcess, dir: string, logFile: string, name: string, url: string, probe: () => Promise<void>): Promise<Service> {
  const stop = async () => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(child, logFile, name, probe);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, logFile, stop };
}

const spawnErrors = new WeakMap<ChildProcess, Error>();

function spawnLogged(bin: string, args: string[], logFile: string): ChildProcess {
  // Output goes to a file: a pipe nobody drains would eventually block the server.
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  child.on('error', (err) => spawnErrors.set(child, err));
  // If vitest dies without running teardown, do not leave the server behind.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  return child;
}

async function waitUntil(child: ChildProcess, logFile: string, name: string, probe: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const spawnError = spawnErrors.get(child);
    if (spawnError) throw new Error(`${name} could not be started: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      const output = await readFile(logFile, 'utf8').catch(() => '');
      const message = `${name} exited (${child.exitCode ?? child.signalCode}) during start-up:\n${output.slice(-4000)}`;
      throw /address already in use/i.test(output) ? new PortInUse(message) : new Error(message);
    }
    try {
      await probe();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const output = await readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`${name} did not answer within ${START_TIMEOUT_MS} ms: ${String(lastError)}\n${output.slice(-4000)}`);
}

/** SIGTERM, then SIGKILL if it has not exited after 5 s. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return; // never started
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

function redisPing(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.end();
        if (reply.startsWith('+PONG')) resolve();
        else reject(new Error(`redis answered ${JSON.stringify(reply)}`));
      }
    });
    socket.on('error', reject);
  });
}
