import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { longestFirst } from './tests/setup/sequencer.ts';
import { filesThatMock } from './tests/setup/files-that-mock.ts';

/**
 * One vitest project per kind of suite, so a run starts only the services its files need:
 * `npx vitest run sync-protocol` starts nothing, `--project server` starts FerretDB and
 * redis-server. `npm test` (`vitest run`) runs every project; the files of all projects
 * share one pool of workers.
 */
/** The stores, and the GridFS blob store (it needs the Mongo-protocol server too). */
const STORE = ['server/src/store/**/*.test.ts', 'server/src/attachments/gridfs-blob-store.test.ts'];
const SERVER = 'tests/server/**/*.test.ts';
const ENGINE = 'tests/engine/**/*.test.ts';
const CHAOS = 'tests/chaos/**/*.test.ts';
const E2E = 'client/e2e/**/*.test.ts';
const UNIT_DIRS = ['sync-protocol/src', 'server/src', 'client/src', 'client/build', 'tests', 'bench'];
const UNIT = UNIT_DIRS.map((dir) => `${dir}/**/*.test.ts`);
const NOT_UNIT = [...STORE, SERVER, ENGINE, CHAOS];
/** Test files that replace modules or globals (vi.mock, vi.stubGlobal …): each needs a module graph of its own. */
const MOCKING = filesThatMock(UNIT_DIRS, fileURLToPath(new URL('.', import.meta.url)));

// The docs screenshots are a tool, not a test: they run only when asked for.
const SCREENSHOTS = process.env.PIGEON_SCREENSHOTS === '1' ? [] : ['client/e2e/screenshots.test.ts'];

/** Only `*.test.ts` files are tests; helpers (including `testing/` folders) never are. */
function project(name: string, test: TestProjectInlineConfiguration['test']): TestProjectInlineConfiguration {
  return { extends: true, test: { name, ...test, exclude: [...configDefaults.exclude, ...(test?.exclude ?? [])] } };
}

export default defineConfig({
  test: {
    environment: 'node',
    pool: 'forks',
    // Suites spend much of their time waiting (sockets, timers, child processes), so three
    // files at once keep two cores busy; vitest's default on 2 cores is one file at a time.
    maxWorkers: 3,
    // Long files start first, whatever their project; see sequencer.ts.
    sequence: { sequencer: longestFirst(['chaos', 'store', 'e2e', 'server', 'engine', 'unit', 'unit-mocks']) },
    reporters: ['default', './tests/setup/summary-reporter.ts'],
    projects: [
      // Pure tests: no external service. Everything not claimed by a project below.
      //
      // `isolate: false` here and in store, server and engine: the files of a worker share one
      // module graph instead of importing the server, the engine and zod again for each file
      // (import time: 214 s of a clean-clone CI run before, 95 s after; unit tests alone 83 → 30 s
      // of CPU). It holds because no test file of these projects writes process.env or module
      // state another file reads (tests/architecture/shared-module-tests.test.ts checks the
      // first); unit files that mock modules or globals run in `unit-mocks`, isolated. The e2e
      // and chaos files gain nothing from it (their time is Chromium and child processes) and
      // keep their own process each.
      project('unit', {
        include: UNIT,
        exclude: [...NOT_UNIT, ...MOCKING],
        isolate: false,
        testTimeout: 30_000,
        hookTimeout: 30_000,
      }),
      project('unit-mocks', { include: MOCKING, exclude: NOT_UNIT, testTimeout: 30_000, hookTimeout: 30_000 }),
      // Both stores' suites; the MongoDB ones run against FerretDB (or MONGODB_URI).
      project('store', { include: STORE, isolate: false, globalSetup: ['tests/setup/mongo.ts'], testTimeout: 60_000, hookTimeout: 120_000 }),
      // The real server over HTTP and Socket.io, on SQLite and MongoDB; scale-out needs Redis.
      project('server', {
        include: [SERVER],
        isolate: false,
        globalSetup: ['tests/setup/mongo.ts', 'tests/setup/redis.ts'],
        testTimeout: 60_000,
        hookTimeout: 60_000,
      }),
      project('engine', { include: [ENGINE], isolate: false, testTimeout: 60_000, hookTimeout: 180_000 }),
      // The chaos runs set their own (long) timeouts; the server is a child process on SQLite.
      // One run at a time per file, the runs split over three files (tests/chaos/chaos-runs.ts): each
      // run keeps most of a core busy in its test process (fake IndexedDB), so each gets a process.
      project('chaos', { include: [CHAOS], testTimeout: 60_000, hookTimeout: 60_000 }),
      // Chromium against the built client; the global setup builds client/dist when missing.
      project('e2e', {
        include: [E2E],
        exclude: SCREENSHOTS,
        globalSetup: ['client/e2e/global-setup.ts'],
        testTimeout: 120_000,
        hookTimeout: 300_000,
      }),
    ],
  },
});
