/**
 * The unit, store, server and engine projects run their files with `isolate: false`
 * (vitest.config.ts): the files of a worker share one process and one module graph. That holds
 * only while no such file replaces modules or globals, or writes process.env, for the files
 * after it. Unit files that replace modules are moved to `unit-mocks` by the config; the other
 * shared projects have no such escape, so a file there that needs it must say so here first.
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { filesThatMock, testFilesMatching, WRITES_ENV } from '../setup/files-that-mock.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where the shared projects' files are (chaos and e2e keep a process per file). */
const SHARED_DIRS = ['sync-protocol/src', 'server/src', 'client/src', 'tests/server', 'tests/engine', 'tests/architecture', 'bench'];
/** The store, server and engine projects: shared, with no isolated sibling project. */
const NO_ESCAPE = ['server/src/store', 'server/src/attachments', 'tests/server', 'tests/engine'];
/** This file names the patterns in its examples. */
const SELF = 'tests/architecture/shared-module-tests.test.ts';

it('no store, server or engine test file replaces modules or globals', () => {
  expect(filesThatMock(NO_ESCAPE, ROOT)).toEqual([]);
});

it('no test file of a shared project writes process.env (unit-mocks files are isolated and may)', () => {
  const isolated = new Set([...filesThatMock(SHARED_DIRS, ROOT), SELF]);
  expect(testFilesMatching(SHARED_DIRS, WRITES_ENV, ROOT).filter((f) => !isolated.has(f))).toEqual([]);
});

it('the patterns find what they are for', () => {
  expect(WRITES_ENV.test('process.env.PORT = "1"')).toBe(true);
  expect(WRITES_ENV.test("process.env['X']='1'")).toBe(true);
  expect(WRITES_ENV.test('delete process.env.X')).toBe(true);
  expect(WRITES_ENV.test('if (process.env.X === "1")')).toBe(false);
  expect(WRITES_ENV.test('const x = process.env.X ?? 1')).toBe(false);
});
