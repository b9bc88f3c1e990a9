/**
 * `npm run bench` — what users feel and operators pay for, each figure next to a
 * baseline measured in the same run; writes docs/benchmarks.md and
 * bench/results/latest.json. Asserts nothing about time, but exits non-zero if a
 * message is lost or doubled while measuring.
 *
 *   npm run bench                         all figures, full sizes (about 10 minutes for figures 1–6, 7 and 8 add a few)
 *   npm run bench -- --quick              small sizes (a minute or two), for development
 *   npm run bench -- --only=throughput,memory --targets=sqlite
 *   npm run bench -- --cpu-prof           also write V8 CPU profiles of the server children
 *   npm run bench -- --only=mongo-raw     MongoDB store vs raw insertMany (figure 7)
 *   npm run bench -- --only=cross-node    two nodes on FerretDB + Redis: cross-node vs same-node (figure 8)
 *   npm run bench -- --only=groups        group sends vs a bare Socket.io room broadcast (figure 9)
 *   npm run bench -- --only=attachments   10 MiB upload/download vs a bare Node HTTP server, RSS during 20 parallel uploads (figure 10)
 *   npm run bench -- --only=search        sends while one user floods message search, vs the same sends alone (figure 11, SQLite)
 *   npm run bench -- --only=first-load    initial JS, the entry on the wire with/without compression, Lighthouse mobile on sign-in and an open chat (figure 12)
 *   npm run bench -- --help
 */
import { parseArgs } from 'node:util';
import { measureCatchUp, type CatchUpFigures } from './figures/catchup.ts';
import { renderCatchUp } from './figures/catchup-report.ts';
import { measureClient, renderClient, type ClientFigures } from './figures/client.ts';
import { measureMemory, renderMemory, type MemoryFigures } from './figures/memory.ts';
import { measureOutbox, renderOutbox, type OutboxFigures } from './figures/outbox.ts';
import { measureThroughput, renderThroughput, type TargetFigures } from './figures/throughput.ts';
import { measureMongoRaw, renderMongoRaw, type MongoRawFigures } from './figures/mongo-raw.ts';
import { measureCrossNode, renderCrossNode, type CrossNodeFigures } from './figures/cross-node.ts';
import { measureGroups, renderGroups, type GroupsFigures } from './figures/groups.ts';
import { ATTACHMENT_DEFAULTS, measureAttachments, renderAttachments, type AttachmentsFigures } from './figures/attachments.ts';
import { measureSearch, renderSearch, type SearchFigures } from './figures/search.ts';
import { measureFirstLoad, renderFirstLoad, type FirstLoadFigures } from './figures/first-load.ts';
import { redisBinary } from './lib/redis.ts';
import { failures } from './lib/integrity.ts';
import { helpText } from './lib/help.ts';
import { machineInfo, machineSection, uptime, writeJson, writeReport } from './lib/report.ts';
import { ferretBinary } from './lib/ferret.ts';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { TargetKind } from './lib/targets.ts';

const FIGURES = ['throughput', 'latency', 'catchup', 'outbox', 'client', 'memory', 'mongo-raw', 'cross-node', 'groups', 'attachments', 'search', 'first-load'] as const;
type Figure = (typeof FIGURES)[number];
/** Figures with results of their own (latency's are throughput's). */
const RESULT_KEYS = FIGURES.filter((f): f is Exclude<Figure, 'latency'> => f !== 'latency');

const { values: flags } = parseArgs({
  options: {
    help: { type: 'boolean' },
    quick: { type: 'boolean' },
    only: { type: 'string' },
    targets: { type: 'string' },
    clients: { type: 'string' },
    'mongo-clients': { type: 'string' },
    inflight: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    'paced-duration': { type: 'string' },
    'catchup-messages': { type: 'string' },
    'catchup-conversations': { type: 'string' },
    'mongo-catchup-messages': { type: 'string' },
    'mongo-outbox-messages': { type: 'string' },
    'outbox-messages': { type: 'string' },
    'client-messages': { type: 'string' },
    'client-conversations': { type: 'string' },
    'client-open': { type: 'string' },
    'idle-sockets': { type: 'string' },
    'raw-batch': { type: 'string' },
    'raw-batches': { type: 'string' },
    'raw-conversations': { type: 'string' },
    'raw-inflight': { type: 'string' },
    'raw-server-duration': { type: 'string' },
    'cross-pairs': { type: 'string' },
    'cross-fraction': { type: 'string' },
    'group-sizes': { type: 'string' },
    'group-sockets': { type: 'string' },
    'group-senders': { type: 'string' },
    'group-fraction': { type: 'string' },
    'attachment-runs': { type: 'string' },
    'attachment-mib': { type: 'string' },
    'attachment-mongo-rss': { type: 'boolean' },
    'search-messages': { type: 'string' },
    'lighthouse-runs': { type: 'string' },
    'step-timeout': { type: 'string' },
    'cpu-prof': { type: 'boolean' },
    out: { type: 'string' },
    'no-write': { type: 'boolean' },
  },
});

if (flags.help) {
  console.log(helpText(FIGURES));
  process.exit(0);
}

const quick = Boolean(flags.quick);
const num = (v: string | undefined, full: number, small: number) => (v !== undefined ? Number(v) : quick ? small : full);
const only = new Set<Figure>((flags.only?.split(',') ?? FIGURES).map((s) => s.trim() as Figure));
for (const f of only) if (!FIGURES.includes(f)) throw new Error(`unknown figure ${f}; known: ${FIGURES.join(', ')}`);
if (only.has('latency')) only.add('throughput');

const skipped: string[] = [];
let stores = (flags.targets?.split(',') ?? ['sqlite', 'mongodb']).map((s) => s.trim()) as TargetKind[];
if (stores.includes('mongodb') && !existsSync(ferretBinary())) {
  skipped.push(`MongoDB store: FerretDB binary not found at ${ferretBinary()} (bash scripts/ferretdb.sh install)`);
  stores = stores.filter((s) => s !== 'mongodb');
}

const nodeFlags: string[] = [];
let profileDir: string | undefined;
if (flags['cpu-prof']) {
  profileDir = new URL('./profiles/', import.meta.url).pathname;
  mkdirSync(profileDir, { recursive: true });
}

const command = `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`;
const machine = machineInfo();
console.log(`Pigeon bench — ${machine.nproc} × ${machine.cpuModel}, Node ${machine.node}\n${machine.uptimeBefore}`);

interface Results {
  machine: typeof machine;
  command: string;
  throughput?: TargetFigures[];
  catchup?: CatchUpFigures;
  outbox?: OutboxFigures;
  client?: ClientFigures;
  memory?: MemoryFigures;
  'mongo-raw'?: MongoRawFigures;
  'cross-node'?: CrossNodeFigures;
  groups?: GroupsFigures;
  attachments?: AttachmentsFigures;
  search?: SearchFigures;
  'first-load'?: FirstLoadFigures;
  skipped: string[];
  failures: string[];
  /** Figures not run this time, carried over from the previous full run: when they were measured. */
  carried?: Partial<Record<(typeof RESULT_KEYS)[number], { date: string; uptime: string; command: string }>>;
}
const results: Results = { machine, command, skipped, failures };

// A partial full-size run (--only) keeps the other figures of the previous full run in the report,
// each marked with the run it comes from.
const latestPath = new URL('./results/latest.json', import.meta.url).pathname;
if (!quick && flags.only && existsSync(latestPath)) {
  const prev = JSON.parse(readFileSync(latestPath, 'utf8')) as Results;
  results.carried = {};
  for (const k of RESULT_KEYS) {
    if (only.has(k) || !prev[k]) continue;
    (results as unknown as Record<string, unknown>)[k] = prev[k];
    results.carried[k] = prev.carried?.[k] ?? { date: prev.machine.date, uptime: prev.machine.uptimeBefore, command: prev.command };
  }
}

/**
 * A figure that hangs (a page wait that never resolves, a child that stops answering) fails the run
 * loudly, naming the figure, instead of holding it forever: a run once sat 12 minutes in figure 5
 * with its browser idle. Its children and browser go with the process (procs.ts, Playwright's pipe).
 */
const stepLimitMin = num(flags['step-timeout'], 60, 60);

async function step<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  const watchdog = setTimeout(() => {
    console.error(`\n[${name}] still running after ${stepLimitMin} min (--step-timeout): giving up`);
    console.error(`\nBENCH FAILED:${[...failures, `${name}: hung`].map((f) => `\n  - ${f}`).join('')}`);
    process.exit(1);
  }, stepLimitMin * 60_000);
  try {
    return await fn();
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    console.error(`\n[${name}] could not run: ${e instanceof Error ? e.stack : text}`);
    failures.push(`${name}: could not run — ${text.split('\n')[0]}`);
    return undefined;
  } finally {
    clearTimeout(watchdog);
  }
}

if (only.has('throughput')) {
  results.throughput = await step('throughput', () =>
    measureThroughput({
      kinds: ['bare', ...stores],
      clients: num(flags.clients, 200, 40),
      mongoClients: flags['mongo-clients'] !== undefined ? Number(flags['mongo-clients']) : undefined,
      inflight: num(flags.inflight, 4, 4),
      warmupMs: num(flags.warmup, 3, 1) * 1000,
      durationMs: num(flags.duration, 15, 3) * 1000,
      loadFractions: only.has('latency') ? [0.25, 0.5, 0.75] : [],
      openDurationMs: num(flags['paced-duration'], 10, 3) * 1000,
      nodeFlags,
      profileDir,
    }),
  );
}
if (only.has('catchup')) {
  results.catchup = await step('catchup', () =>
    measureCatchUp({
      messages: num(flags['catchup-messages'], 20_000, 2_000),
      conversations: num(flags['catchup-conversations'], 50, 10),
      mongoMessages: num(flags['mongo-catchup-messages'], 5_000, 1_000),
      browser: true,
      stores,
      nodeFlags,
    }),
  );
}
if (only.has('outbox')) {
  results.outbox = await step('outbox', () => measureOutbox({
      messages: num(flags['outbox-messages'], 2_000, 200),
      mongoMessages: num(flags['mongo-outbox-messages'], 500, 100),
      stores,
      nodeFlags,
    }));
}
if (only.has('client')) {
  results.client = await step('client', () =>
    measureClient({
      messages: num(flags['client-messages'], 5_000, 500),
      conversations: num(flags['client-conversations'], 50, 10),
      openConversation: num(flags['client-open'], 1_000, 100),
    }),
  );
}
if (only.has('memory')) {
  results.memory = await step('memory', () => measureMemory({ sockets: num(flags['idle-sockets'], 1_000, 200), stores, nodeFlags }));
}

/** Figures 7 and 8 run on FerretDB: skipped (and said so) when the MongoDB store is left out or cannot run. */
const needsFerret = (name: string) => {
  if (stores.includes('mongodb')) return true;
  skipped.push(`${name}: needs the MongoDB store (FerretDB), left out by --targets or not installed`);
  return false;
};
if (only.has('mongo-raw') && needsFerret('mongo-raw')) {
  const conversations = num(flags['raw-conversations'], 100, 100);
  const serverSeconds = num(flags['raw-server-duration'], 10, 3);
  results['mongo-raw'] = await step('mongo-raw', () =>
    measureMongoRaw({
      store: {
        users: conversations * 2,
        batchSize: num(flags['raw-batch'], 200, 200),
        batches: num(flags['raw-batches'], 100, 10),
        segments: quick ? 2 : 5,
        warmupBatches: 2,
        inflight: num(flags['raw-inflight'], 1, 1),
      },
      server:
        serverSeconds > 0
          ? { clients: num(flags['mongo-clients'] ?? flags.clients, 200, 40), inflight: num(flags.inflight, 4, 4), warmupMs: num(flags.warmup, 3, 1) * 1000, durationMs: serverSeconds * 1000 }
          : null,
      nodeFlags,
    }),
  );
}
if (only.has('cross-node') && needsFerret('cross-node')) {
  if (!existsSync(redisBinary())) skipped.push(`cross-node: redis-server not found at ${redisBinary()} (apt-get install redis-server)`);
  else
    results['cross-node'] = await step('cross-node', () =>
      measureCrossNode({
        pairs: num(flags['cross-pairs'], 100, 20),
        inflight: num(flags.inflight, 4, 4),
        warmupMs: num(flags.warmup, 3, 1) * 1000,
        durationMs: num(flags.duration, 15, 3) * 1000,
        pacedFraction: flags['cross-fraction'] !== undefined ? Number(flags['cross-fraction']) : 0.5,
        pacedDurationMs: num(flags['paced-duration'], 10, 3) * 1000,
        idleMs: quick ? 2000 : 5000,
        nodeFlags,
      }),
    );
}

if (only.has('groups')) {
  results.groups = await step('groups', () =>
    measureGroups({
      kinds: ['bare', ...stores],
      sizes: (flags['group-sizes'] ?? '10,100').split(',').map(Number),
      sockets: num(flags['group-sockets'], 400, 200),
      senders: num(flags['group-senders'], 2, 2),
      inflight: num(flags.inflight, 4, 4),
      warmupMs: num(flags.warmup, 3, 0.5) * 1000,
      durationMs: num(flags.duration, 15, 1.5) * 1000,
      pacedFraction: flags['group-fraction'] !== undefined ? Number(flags['group-fraction']) : 0.5,
      pacedDurationMs: num(flags['paced-duration'], 10, 1) * 1000,
      nodeFlags,
    }),
  );
}

if (only.has('attachments')) {
  const MiB = 1024 * 1024;
  results.attachments = await step('attachments', () =>
    measureAttachments({
      stores,
      fileBytes: num(flags['attachment-mib'], ATTACHMENT_DEFAULTS.fileBytes / MiB, ATTACHMENT_DEFAULTS.fileBytes / MiB) * MiB,
      chunkBytes: ATTACHMENT_DEFAULTS.chunkBytes,
      runs: num(flags['attachment-runs'], 11, 2),
      parallel: ATTACHMENT_DEFAULTS.parallel,
      rssSizes: quick ? [MiB, 4 * MiB] : ATTACHMENT_DEFAULTS.rssSizes,
      mongoRss: Boolean(flags['attachment-mongo-rss']),
      nodeFlags,
    }),
  );
}

if (only.has('search')) {
  results.search = await step('search', () => measureSearch({ messages: num(flags['search-messages'], 200_000, 20_000), sends: quick ? 100 : 300, nodeFlags }));
}

if (only.has('first-load')) {
  results['first-load'] = await step('first-load', () => measureFirstLoad({ runs: num(flags['lighthouse-runs'], 3, 1), messages: quick ? 50 : 200 }));
}

machine.uptimeAfter = uptime();
const carriedNote = (k: keyof NonNullable<Results['carried']>) => {
  const c = results.carried?.[k];
  return c ? `\n\n*Carried over from an earlier run: ${c.date}, \`${c.command}\`, machine \`${c.uptime}\`.*` : '';
};
const sections = [
  `## Latest run`,
  machineSection(machine, command),
  quick ? '**Quick run (`--quick`): small sizes, for development; not the reference figures.**' : '',
  results.throughput ? renderThroughput(results.throughput) + carriedNote('throughput') : '',
  results.catchup ? renderCatchUp(results.catchup) + carriedNote('catchup') : '',
  results.outbox ? renderOutbox(results.outbox) + carriedNote('outbox') : '',
  results.client ? renderClient(results.client) + carriedNote('client') : '',
  results.memory ? renderMemory(results.memory) + carriedNote('memory') : '',
  results['mongo-raw'] ? renderMongoRaw(results['mongo-raw']) + carriedNote('mongo-raw') : '',
  results['cross-node'] ? renderCrossNode(results['cross-node']) + carriedNote('cross-node') : '',
  results.groups ? renderGroups(results.groups) + carriedNote('groups') : '',
  results.attachments ? renderAttachments(results.attachments) + carriedNote('attachments') : '',
  results.search ? renderSearch(results.search) + carriedNote('search') : '',
  results['first-load'] ? renderFirstLoad(results['first-load']) + carriedNote('first-load') : '',
  skipped.length ? `### Skipped\n\n${skipped.map((s) => `- ${s}`).join('\n')}` : '',
  failures.length ? `### FAILURES\n\n${failures.map((s) => `- ${s}`).join('\n')}` : `Integrity: every message sent while measuring was acked once, delivered once and stored once.`,
].filter(Boolean);

if (!flags['no-write']) {
  const out = flags.out ?? new URL('../docs/benchmarks.md', import.meta.url).pathname;
  writeReport(out, sections.join('\n\n'));
  writeJson(new URL(`./results/${quick ? 'quick' : 'latest'}.json`, import.meta.url).pathname, results);
  console.log(`\nwrote ${out}`);
}
console.log(`\n${machine.uptimeAfter}`);
if (failures.length > 0) {
  console.error(`\nBENCH FAILED: ${failures.length} problem(s):\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  process.exit(1);
}
console.log('\nbench: ok (integrity checks passed)');
process.exit(0);
