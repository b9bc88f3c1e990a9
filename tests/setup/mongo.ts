/**
 * Global setup of the projects with MongoDB suites: provides `mongoUri`.
 *
 *  - MONGODB_URI when the user sets it;
 *  - null with PIGEON_TEST_MONGO=0 (the Mongo suites are skipped and say so);
 *  - else a FerretDB (MongoDB wire protocol, SQLite backend) in a fresh temp dir, built
 *    by scripts/ferretdb.sh when missing, stopped when the run ends. If it cannot be
 *    built or started, the run fails.
 */
import type { TestProject } from 'vitest/node';
import { ferretdbBinary, log, startFerretDb, startWithPortRetry } from './services.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** undefined in a project without this global setup. */
    mongoUri: string | null;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.MONGODB_URI) {
    log(`mongo (${project.name}): using MONGODB_URI from the environment`);
    project.provide('mongoUri', process.env.MONGODB_URI);
    return;
  }
  if (process.env.PIGEON_TEST_MONGO === '0') {
    log(`mongo (${project.name}): PIGEON_TEST_MONGO=0, MongoDB tests will be skipped`);
    project.provide('mongoUri', null);
    return;
  }
  const bin = ferretdbBinary();
  const service = await startWithPortRetry((port) => startFerretDb(bin, port));
  log(`mongo (${project.name}): FerretDB at ${service.url}`);
  project.provide('mongoUri', service.url);
  return () => service.stop();
}
