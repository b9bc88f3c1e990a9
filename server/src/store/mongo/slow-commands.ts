import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';

/**
 * The shape of a command, without its values: which collection, which operators on which
 * fields. What an operator needs to find the query a database answers slowly, and nothing a
 * log must not hold (message bodies, user ids, tokens are values; an id used as a key is masked).
 */
export interface CommandShape {
  command: string;
  collection: string | null;
  /** Field paths and operators of the filter (find, update, delete, count, aggregate's first $match), sorted. */
  filter: string[];
  /** Documents or statements the command carries (insert, update, delete), when it carries any. */
  items?: number;
}

const FILTER_OF: Record<string, (cmd: Record<string, unknown>) => unknown> = {
  find: (c) => c.filter,
  count: (c) => c.query,
  distinct: (c) => c.query,
  findAndModify: (c) => c.query,
  update: (c) => firstOf(c.updates)?.q,
  delete: (c) => firstOf(c.deletes)?.q,
  aggregate: (c) => (firstOf(c.pipeline) as { $match?: unknown } | undefined)?.$match,
};
const ITEMS_OF: Record<string, string> = { insert: 'documents', update: 'updates', delete: 'deletes' };

function firstOf(list: unknown): Record<string, unknown> | undefined {
  return Array.isArray(list) && list.length > 0 && isPlain(list[0]) ? (list[0] as Record<string, unknown>) : undefined;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * A key made of an id (`hidden.<userId>` in search.ts's filter): the id is a value too, so it
 * shows as `<id>`. Field names are words; ids are long and carry digits.
 */
export function maskKey(key: string): string {
  return key
    .split('.')
    .map((part) => (part.length >= 16 && /\d/.test(part) ? '<id>' : part))
    .join('.');
}

/** `{ a: 1, b: { $in: [..] }, $or: [{ c: 2 }] }` → `a`, `b.$in`, `$or[c]`: keys only, values dropped. */
export function filterPaths(filter: unknown, prefix = ''): string[] {
  if (!isPlain(filter)) return [];
  const paths: string[] = [];
  for (const [rawKey, value] of Object.entries(filter)) {
    const key = maskKey(rawKey);
    const path = prefix ? `${prefix}.${key}` : key;
    if ((key === '$or' || key === '$and' || key === '$nor') && Array.isArray(value)) {
      const inner = [...new Set(value.flatMap((v) => filterPaths(v)))].sort();
      paths.push(`${path}[${inner.join(',')}]`);
    } else if (isPlain(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      for (const op of Object.keys(value)) paths.push(`${path}.${op}`);
    } else paths.push(path);
  }
  return paths.sort();
}

export function commandShape(event: Pick<CommandStartedEvent, 'commandName' | 'command'>): CommandShape {
  const cmd = event.command as Record<string, unknown>;
  const name = event.commandName;
  const target = cmd[name];
  const shape: CommandShape = { command: name, collection: typeof target === 'string' ? target : null, filter: filterPaths(FILTER_OF[name]?.(cmd)) };
  const itemsKey = ITEMS_OF[name];
  const items = itemsKey ? cmd[itemsKey] : undefined;
  if (Array.isArray(items)) shape.items = items.length;
  return shape;
}

export interface SlowCommandLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface SlowCommandOptions {
  /** Commands that take at least this long are logged; 0 turns the watch off (no monitoring at all). */
  thresholdMs: number;
  log: SlowCommandLog;
  /** At most this many lines per window; the rest are counted and the count logged with the next line. */
  maxPerWindow?: number;
  windowMs?: number;
  now?: () => number;
}

/**
 * Logs the commands a MongoDB (or FerretDB) server answers slowly (`MONGO_SLOW_COMMAND_MS`,
 * docs/operations.md): their shape and duration, at most `maxPerWindow` lines per window so a
 * struggling database does not flood the log too. The client must be created with
 * `monitorCommands: true`. Returns the function that stops the watch.
 */
export function watchSlowCommands(client: Pick<MongoClient, 'on' | 'off'>, options: SlowCommandOptions): () => void {
  const { thresholdMs, log, maxPerWindow = 20, windowMs = 10_000, now = Date.now } = options;
  const started = new Map<number, CommandShape>();
  let windowStart = -Infinity;
  let lines = 0;
  let suppressed = 0;

  const onStarted = (e: CommandStartedEvent) => started.set(e.requestId, commandShape(e));
  const onEnded = (e: CommandSucceededEvent | CommandFailedEvent, failed: boolean) => {
    const shape = started.get(e.requestId);
    started.delete(e.requestId);
    if (!shape || e.duration < thresholdMs) return;
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t;
      lines = 0;
    }
    if (lines >= maxPerWindow) {
      suppressed++;
      return;
    }
    lines++;
    const fields: Record<string, unknown> = { ...shape, ms: Math.round(e.duration), ...(failed ? { failed: true } : {}) };
    if (suppressed > 0) fields.suppressed = suppressed;
    suppressed = 0;
    log.warn(fields, 'slow MongoDB command');
  };
  const onSucceeded = (e: CommandSucceededEvent) => onEnded(e, false);
  const onFailed = (e: CommandFailedEvent) => onEnded(e, true);

  client.on('commandStarted', onStarted);
  client.on('commandSucceeded', onSucceeded);
  client.on('commandFailed', onFailed);
  return () => {
    client.off('commandStarted', onStarted);
    client.off('commandSucceeded', onSucceeded);
    client.off('commandFailed', onFailed);
    started.clear();
  };
}
