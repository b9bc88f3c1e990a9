/**
 * Global setup of the e2e project: builds client/dist once for all e2e files, when it is
 * missing or PIGEON_E2E_BUILD=1. One build per run: two files building at once would write
 * the same folder. It runs in the background, so the other projects' tests run meanwhile;
 * each e2e file waits for it (waitForClientBuild in harness.ts) before starting a browser.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const ROOT_DIR = fileURLToPath(new URL('../..', import.meta.url));
const DIST_DIR = join(ROOT_DIR, 'client', 'dist');

declare module 'vitest' {
  export interface ProvidedContext {
    /** null: client/dist was already there; undefined: outside the e2e project. */
    clientBuild: ClientBuild | null;
  }
}

export interface ClientBuild {
  /** The build's output (npm, vue-tsc, vite). */
  logFile: string;
  /** Appears, complete, when the build has ended: `{ code, signal, error? }` as JSON. */
  resultFile: string;
}

export default function setup(project: TestProject) {
  if (existsSync(join(DIST_DIR, 'index.html')) && process.env.PIGEON_E2E_BUILD !== '1') {
    project.provide('clientBuild', null);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pigeon-client-build-'));
  const build: ClientBuild = { logFile: join(dir, 'build.log'), resultFile: join(dir, 'result.json') };
  const writeResult = (result: object) => {
    // Written aside and renamed, so a reader never sees half of it.
    writeFileSync(`${build.resultFile}.tmp`, JSON.stringify(result));
    renameSync(`${build.resultFile}.tmp`, build.resultFile);
  };
  const out = openSync(build.logFile, 'a');
  // vitest sets NODE_ENV=test; the app under test must be the production build users get.
  const child = spawn('npm', ['run', 'build', '-w', 'client'], {
    cwd: ROOT_DIR,
    stdio: ['ignore', out, out],
    env: { ...process.env, NODE_ENV: 'production' },
    // Its own process group, so stopping it reaches vue-tsc and vite too, not only npm.
    detached: true,
  });
  closeSync(out);
  let ended = false;
  child.once('error', (err) => {
    ended = true;
    writeResult({ code: null, signal: null, error: err.message });
  });
  child.once('exit', (code, signal) => {
    ended = true;
    writeResult({ code, signal });
  });
  project.provide('clientBuild', build);
  return async () => {
    if (!ended) {
      // The run ended first (a failure elsewhere, Ctrl-C): a half-written dist is worse than none.
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
      rmSync(DIST_DIR, { recursive: true, force: true });
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
