/**
 * What happened during a run, kept so that a failure can be understood from the
 * dump alone: the op log (with results), what the proxies and the server did,
 * and what each device observed. Bounded, because a soak runs for a long time.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface HistoryEntry {
  /** ms since the run started. */
  t: number;
  /** Op index the entry happened during or after (-1: setup; the op count: heal and settle). */
  op: number;
  kind: string;
  detail: string;
}

const MAX_ENTRIES = 20_000;

/** A device's name in a history line (plan.ts deviceName). */
const DEVICE = /\bu\d+d\d+\b/g;

export class History {
  private readonly start = Date.now();
  private readonly entries: HistoryEntry[] = [];
  private dropped = 0;
  currentOp = -1;

  now(): number {
    return Date.now() - this.start;
  }

  add(kind: string, detail: string): void {
    if (this.entries.length >= MAX_ENTRIES) {
      // Keep the beginning (setup, first faults) and drop from the middle: the end is
      // appended anyway by the settle phase, and that is where most failures show.
      this.entries.splice(MAX_ENTRIES / 2, 1);
      this.dropped++;
    }
    this.entries.push({ t: this.now(), op: this.currentOp, kind, detail });
  }

  all(): readonly HistoryEntry[] {
    return this.entries;
  }

  /** Entries mentioning any of `needles` (a message key, a device name): the story of one message. */
  about(needles: readonly string[]): HistoryEntry[] {
    return this.entries.filter((e) => needles.some((n) => e.detail.includes(n)));
  }

  /**
   * The story of some messages: the entries that mention them, the account switches of the devices
   * those entries name (a message typed by an account that then signed out waits, parked, for that
   * account's next sign-in on that device; the switches say when that was), and what each device was
   * told of its groups just before it stored or showed one of them a new way.
   */
  story(keys: readonly string[]): HistoryEntry[] {
    const direct = new Set(this.about(keys));
    const deviceOf = (e: HistoryEntry) => e.detail.match(DEVICE)?.[0] ?? '';
    const devices = new Set([...direct].flatMap((e) => e.detail.match(DEVICE) ?? []));
    // And what a device was told of its groups in the 3 s before it stored or showed one of them a new
    // way (list-trace.ts): a status a catch-up brought back lower reads against the list's positions.
    const changes = [...direct].filter((e) => e.kind === 'applied' || e.kind === 'status').map((e) => ({ device: deviceOf(e), t: e.t }));
    const told = (e: HistoryEntry) =>
      (e.kind === 'list' || e.kind === 'sync-page') && changes.some((c) => c.device === deviceOf(e) && e.t >= c.t - 3_000 && e.t <= c.t);
    return this.entries.filter((e) => direct.has(e) || (e.kind === 'account' && devices.has(deviceOf(e))) || told(e));
  }

  /** What happened to one device (its sessions, connection, ops, proxy) shortly before and after `t`. */
  around(device: string, t: number, beforeMs = 5_000, afterMs = 1_000): HistoryEntry[] {
    return this.entries.filter((e) => e.t >= t - beforeMs && e.t <= t + afterMs && e.kind !== 'applied' && e.kind !== 'status' && e.detail.includes(device));
  }

  droppedCount(): number {
    return this.dropped;
  }

  toText(): string {
    const lines = this.entries.map((e) => `${String(e.t).padStart(7)}ms op#${String(e.op).padStart(4)} ${e.kind.padEnd(12)} ${e.detail}`);
    if (this.dropped > 0) lines.unshift(`(${this.dropped} entries dropped from the middle to bound memory)`);
    return lines.join('\n');
  }
}

/** Writes the failure report; returns the path of the directory holding it. */
export function writeDump(dir: string, files: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}
