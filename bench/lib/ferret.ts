/**
 * FerretDB (MongoDB wire protocol over SQLite) for the MongoDB-store figures:
 * started here with its data in a temp dir, on 127.0.0.1 only, telemetry off.
 * The binary is built by scripts/ferretdb.sh (not by the bench).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, spawnService } from './procs.ts';

export interface Ferret {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

const repoRoot = new URL('../..', import.meta.url).pathname;

export function ferretBinary(): string {
  if (process.env.PIGEON_FERRETDB_BIN) return process.env.PIGEON_FERRETDB_BIN;
  try {
    return execFileSync('bash', [join(repoRoot, 'scripts/ferretdb.sh'), 'path'], { encoding: 'utf8' }).trim();
  } catch {
    return join(process.env.HOME ?? '/root', '.cache/pigeon/ferretdb/bin/ferretdb');
  }
}

export async function startFerret(dir: string): Promise<Ferret> {
  const bin = ferretBinary();
  if (!existsSync(bin)) throw new Error(`FerretDB binary not found at ${bin} (build it with: bash scripts/ferretdb.sh install)`);
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const svc = await spawnService(
    bin,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${dir}/`,
      `--state-dir=${dir}`,
      `--listen-addr=127.0.0.1:${port}`,
      `--debug-addr=${process.env.BENCH_FERRET_DEBUG_ADDR ?? '-'}`,
      '--telemetry=disable',
      `--log-level=${process.env.BENCH_FERRET_LOG_LEVEL ?? 'error'}`,
    ],
    port,
    'FerretDB',
  );
  return { uri: `mongodb://127.0.0.1:${port}/pigeon_bench`, pid: svc.pid, stop: () => svc.stop() };
}
