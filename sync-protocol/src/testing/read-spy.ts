/**
 * White-box: watches what the reads of some tables of a database hand out, through a DBCore
 * middleware (so it sees reads through any transaction's tables, bound or not). Register it before
 * the database opens.
 */
import type { Dexie } from 'dexie';

export interface SeenRead {
  table: string;
  /** The keys asked for (a keyed read, `getMany`); absent for a query or a cursor. */
  keys?: readonly unknown[];
  /** What the read handed out: a keyed read's results (undefined where none), a query's values, a cursor's value at each step (a filter's rejects too). */
  values: readonly unknown[];
}

export function spyOnReads(db: Dexie, tables: readonly string[], seen: (read: SeenRead) => void): void {
  db.use({
    stack: 'dbcore',
    name: 'read-spy',
    create: (down) => ({
      ...down,
      table: (name) => {
        const table = down.table(name);
        if (!tables.includes(name)) return table;
        return {
          ...table,
          getMany: async (req) => {
            const values = await table.getMany(req);
            seen({ table: name, keys: req.keys, values });
            return values;
          },
          query: async (req) => {
            const res = await table.query(req);
            if (req.values) seen({ table: name, values: res.result });
            return res;
          },
          openCursor: async (req) => {
            const cursor = await table.openCursor(req);
            if (!cursor || !req.values) return cursor;
            return new Proxy(cursor, {
              get(target, prop) {
                if (prop === 'value') seen({ table: name, values: [target.value] });
                const value = Reflect.get(target, prop, target) as unknown;
                return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
              },
            });
          },
        };
      },
    }),
  });
}
