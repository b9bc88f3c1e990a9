/**
 * redis-server for the several-node figure: a throwaway instance on 127.0.0.1, no
 * persistence (the adapter's pub/sub and the cluster's keys need none for a benchmark).
 * From Debian's package (apt-get install redis-server), or PIGEON_REDIS_SERVER.
 */
import { existsSync } from 'node:fs';
import { freePort, spawnService } from './procs.ts';

export interface Redis {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export function redisBinary(): string {
  return process.env.PIGEON_REDIS_SERVER ?? '/usr/bin/redis-server';
}

export async function startRedis(): Promise<Redis> {
  const bin = redisBinary();
  if (!existsSync(bin)) throw new Error(`redis-server not found at ${bin} (apt-get install redis-server, or PIGEON_REDIS_SERVER)`);
  const port = await freePort();
  const svc = await spawnService(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], port, 'redis-server');
  return { url: `redis://127.0.0.1:${port}`, pid: svc.pid, stop: () => svc.stop() };
}
