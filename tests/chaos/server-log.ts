/**
 * What the nodes' logs say that the devices cannot see: an unhandled rejection or an unhandled
 * route error (pino level 50 and above). The server must turn every failure into a typed error
 * or a handled degradation (never a crash, never an unhandled rejection), Redis outages and
 * dying peers included. A start the node refuses (its fatal 'failed to start') is not counted.
 * Pure: log text in, violations out.
 */
import type { Violation } from './check-input.ts';

/**
 * The JSON entries of a node's log (pino, one object a line); lines that are not JSON (a stack
 * printed raw, a cut last line) are skipped. `mentioning`: only lines containing it are parsed.
 */
function* logEntries<T>(text: string, mentioning?: string): Generator<T> {
  for (const line of text.split('\n')) {
    if (!line.startsWith('{') || (mentioning !== undefined && !line.includes(mentioning))) continue;
    try {
      yield JSON.parse(line) as T;
    } catch {
      continue;
    }
  }
}

/** One violation per distinct message per log (with its count and first time), so a storm stays readable. */
export function checkServerErrors(logs: Record<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of Object.entries(logs)) {
    const seen = new Map<string, { n: number; first: string; where: string }>();
    for (const e of logEntries<{ level?: number; time?: number; msg?: string; path?: string; err?: { type?: string; message?: string } }>(text)) {
      // A refused start (fatal, the process exits: no Redis for the store identity check) is a
      // deliberate answer; the harness starts the node again, as a supervisor would.
      if ((e.level ?? 0) < 50 || e.msg === 'failed to start') continue;
      const what = `${e.msg ?? '?'}: ${e.err?.type ?? ''} ${e.err?.message ?? ''}`.slice(0, 300);
      const entry = seen.get(what);
      if (entry) entry.n++;
      else seen.set(what, { n: 1, first: new Date(e.time ?? 0).toISOString(), where: e.path ?? '' });
    }
    for (const [what, { n, first, where }] of seen) {
      out.push({ invariant: 'server-error', message: `${file}: ${n}× ${what}${where ? ` (${where})` : ''}, first at ${first}` });
    }
  }
  return out;
}

/**
 * How many commands the database answered in `MONGO_SLOW_COMMAND_MS` or more (the 2-node runs
 * set it: cluster.ts), over all nodes: the logged lines plus those the log's limit only counted
 * (`suppressed`), and the slowest logged. Not a violation: it says whether a run that was slow to
 * settle waited for the database (docs/reliability.md C11).
 */
export function slowDatabaseCommands(logs: Record<string, string>): { count: number; slowestMs: number } {
  let count = 0;
  let slowestMs = 0;
  for (const text of Object.values(logs)) {
    for (const e of logEntries<{ msg?: string; ms?: number; suppressed?: number }>(text, 'slow MongoDB command')) {
      if (e.msg !== 'slow MongoDB command') continue;
      count += 1 + (e.suppressed ?? 0);
      slowestMs = Math.max(slowestMs, e.ms ?? 0);
    }
  }
  return { count, slowestMs };
}
