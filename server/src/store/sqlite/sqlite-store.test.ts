import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeStoreContract } from '../store.contract.ts';
import { createSqliteStore } from './sqlite-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'pigeon-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
let lastFile = '';
describeStoreContract('sqlite', {
  open: () => createSqliteStore({ file: (lastFile = join(dir, `contract-${++n}.sqlite`)) }),
  reopen: () => createSqliteStore({ file: lastFile }),
});
