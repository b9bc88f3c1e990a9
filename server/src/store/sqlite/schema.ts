import type { Database } from 'better-sqlite3';
import { migrateTo10, TABLES_V10 } from './schema-step-10.ts';
import { TABLES_V11 } from './schema-step-11.ts';
import { TABLES_V12 } from './schema-step-12.ts';
import { TABLES_V13 } from './schema-step-13.ts';
import { migrateTo9, TABLES_V9 } from './schema-step-9.ts';
import { TABLES_V3, TABLES_V4, TABLES_V5, TABLES_V6, TABLES_V7, TABLES_V8 } from './schema-steps.ts';

/**
 * The schema's version, recorded in `PRAGMA user_version`. Versions 1 and 2 existed only
 * while the store was being written, before any release (docs/operations.md, "Stored data
 * and migrations"): a file at either is refused, not migrated. Version 3 is the first one
 * kept: a file at 3 is brought forward in place (MIGRATIONS).
 *
 * To change the schema: bump the version, add the new step to schema-steps.ts and to SCHEMA for new files,
 * and add a step to MIGRATIONS that brings a file at the previous version forward; never
 * rewrite what an earlier version created. A step that needs more than SQL (versions 9 and 10 index
 * the existing messages' words, computed in JS) is a function run in the same transaction.
 */
export const SCHEMA_VERSION = 13;

/** The oldest version a file may be at and still be opened (and migrated). */
const OLDEST_MIGRATABLE = 3;

/** The whole current schema, created in one transaction on an empty file. */
const SCHEMA = TABLES_V3 + TABLES_V4 + TABLES_V5 + TABLES_V6 + TABLES_V7 + TABLES_V8 + TABLES_V9 + TABLES_V10 + TABLES_V11 + TABLES_V12 + TABLES_V13;

/**
 * The SQL that a new file of `version` ran: tests write files "as an older version wrote
 * them" with it. Valid because earlier steps are never rewritten.
 */
export function schemaAt(version: number): string {
  const steps = [TABLES_V3, TABLES_V4, TABLES_V5, TABLES_V6, TABLES_V7, TABLES_V8, TABLES_V9, TABLES_V10, TABLES_V11, TABLES_V12, TABLES_V13];
  if (version < OLDEST_MIGRATABLE || version > SCHEMA_VERSION) throw new Error(`no schema ${version}`);
  return steps.slice(0, version - OLDEST_MIGRATABLE + 1).join('');
}

/** MIGRATIONS[n] brings a file at version n to n + 1. */
const MIGRATIONS: Record<number, string | ((db: Database) => void)> = {
  3: TABLES_V4,
  4: TABLES_V5,
  5: TABLES_V6,
  6: TABLES_V7,
  7: TABLES_V8,
  8: migrateTo9,
  9: migrateTo10,
  10: TABLES_V11,
  11: TABLES_V12,
  12: TABLES_V13,
};

/**
 * Creates the schema in a new (empty) file, or brings a file at an older kept version
 * forward; refuses a newer file and one from before the first release.
 */
export function ensureSchema(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current === SCHEMA_VERSION) return;
  if (current > SCHEMA_VERSION) {
    throw new Error(`database schema version ${current} is newer than this server understands (${SCHEMA_VERSION})`);
  }
  if (current !== 0 && current < OLDEST_MIGRATABLE) {
    throw new Error(
      `database schema version ${current} is from before the first release and cannot be opened (this server writes version ${SCHEMA_VERSION})`,
    );
  }
  // Atomic together with the version: a crash halfway leaves the file as it was (empty, or at
  // its old version), and the next start does the whole step again.
  db.transaction(() => {
    // Re-read inside the write lock: another connection may have done it meanwhile.
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version === 0) db.exec(SCHEMA);
    else {
      for (let v = version; v < SCHEMA_VERSION; v++) {
        const step = MIGRATIONS[v]!;
        if (typeof step === 'string') db.exec(step);
        else step(db);
      }
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
