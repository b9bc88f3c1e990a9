/**
 * Global setup of the projects with Redis suites: provides `redisUrl`.
 *
 *  - REDIS_URL when the user sets it;
 *  - null with PIGEON_TEST_REDIS=0, or when redis-server is not installed (the Redis
 *    suites are skipped and say so);
 *  - else a throwaway redis-server without persistence, stopped when the run ends.
 *    If it is installed but does not start, the run fails.
 */
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { log, REDIS_SERVER, startRedis, startWithPortRetry } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** undefined in a project without this global setup. */
    redisUrl: string | null;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.REDIS_URL) {
    log(`redis (${project.name}): using REDIS_URL from the environment`);
    project.provide('redisUrl', process.env.REDIS_URL);
    return;
  }
  if (process.env.PIGEON_TEST_REDIS === '0') {
    log(`redis (${project.name}): PIGEON_TEST_REDIS=0, Redis tests will be skipped`);
    project.provide('redisUrl', null);
    return;
  }
  if (!existsSync(REDIS_SERVER)) {
    log(`redis (${project.name}): ${REDIS_SERVER} is not installed (apt-get install redis-server); Redis tests will be skipped`);
    project.provide('redisUrl', null);
    return;
  }
  const service = await startWithPortRetry((port) => startRedis(port));
  log(`redis (${project.name}): redis-server at ${service.url}`);
  project.provide('redisUrl', service.url);
  return () => service.stop();
}
