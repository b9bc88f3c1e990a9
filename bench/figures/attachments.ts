/**
 * Figure 10 (issue #17): attachments. Servers in child processes; the client (fetch, undici) is
 * the bench process, the same for Pigeon and the baseline.
 *
 *  - Throughput: a 10 MiB file (random bytes) uploaded to Pigeon (`POST /api/attachments`) in
 *    `Content-Range` chunks sized as the engine sizes them (up/chunk-size.ts), one after another and as one
 *    request, then downloaded (`GET /api/attachments/:id`, read to the end); baseline in the same
 *    run: a raw fetch POST of the same bytes to bench/servers/bare-files.ts, which streams them to
 *    a file, and a raw GET streaming that file back. Rounds alternate the sides (so a drift of the
 *    shared machine hits both); medians. Target: Pigeon ≥ 70 % of raw, both ways (SQLite store;
 *    MongoDB/GridFS on FerretDB reported without target).
 *  - Memory: a fresh server process per file size; RSS (VmRSS) after a full GC, then sampled every
 *    50 ms while 20 uploads of that size run at once (one request each), and after a full GC once
 *    they are done. Target: the peak growth with 16 MiB files must not scale with the size
 *    (lib/attachments-verdict.ts).
 */
import { randomBytes } from 'node:crypto';
import { readRss, sleep } from '../lib/procs.ts';
import { table } from '../lib/report.ts';
import { fmtBytes } from '../lib/stats.ts';
import { startTarget, type Target, type TargetKind } from '../lib/targets.ts';
import { download, pigeonUploadChunked, pigeonUploadWhole, rawUpload } from '../lib/attachment-client.ts';
import { growth, median, mibPerSec, RSS_FLOOR, RSS_RATIO_TARGET, rssVerdict, sampleRss, THROUGHPUT_TARGET, throughputVerdict, type RssRun } from '../lib/attachments-verdict.ts';
import { forkTs, type NodeChild } from '../lib/procs.ts';

const MiB = 1024 * 1024;

export interface AttachmentsOptions {
  stores: TargetKind[];
  /** Bytes of the throughput file (10 MiB). */
  fileBytes: number;
  chunkBytes: number;
  /** Timed rounds per server (after one untimed round). */
  runs: number;
  parallel: number;
  /** File sizes of the memory runs, ascending; the last two are judged. */
  rssSizes: number[];
  /**
   * Memory runs on the MongoDB store too. Off by default: GridFS on FerretDB 1.24 stores about
   * 4 MiB/s on the reference machine, so 20 × 16 MiB alone would take over 20 minutes.
   */
  mongoRss?: boolean;
  nodeFlags?: string[];
}

export interface ThroughputRow {
  kind: TargetKind;
  /** MiB/s medians; null where the side does not apply (the bare server has no chunked upload). */
  uploadChunked: number | null;
  /** Chunked, the file after another one within a minute: the engine starts at the size the previous upload reached. */
  uploadChunkedWarm: number | null;
  uploadWhole: number;
  download: number;
  /** Every timed run, ms. */
  samples: { uploadChunked: number[]; uploadChunkedWarm: number[]; uploadWhole: number[]; download: number[] };
}

export interface RssRow {
  kind: TargetKind;
  size: number;
  parallel: number;
  before: number;
  peak: number;
  after: number;
  samples: number;
  ms: number;
}

export interface AttachmentsFigures {
  fileBytes: number;
  chunkBytes: number;
  runs: number;
  parallel: number;
  throughput: ThroughputRow[];
  rss: RssRow[];
}

const here = new URL('..', import.meta.url).pathname;

type UploadHow = 'whole' | 'cold' | 'warm';

/** A target (the bare file server or Pigeon) as this figure uses it. */
interface Side {
  kind: TargetKind;
  pid: () => number;
  /**
   * `how`: one request, or chunks as the engine sends the first file of a session (`cold`) or a
   * file after another (`warm`: the chunk size the previous chunked upload reached carries over).
   * `user`: which of the side's users uploads (Pigeon allows 4 uploads at once per user: ATTACHMENT_UPLOADS_PER_USER).
   */
  upload(bytes: Uint8Array, name: string, how: UploadHow, user?: number): Promise<{ ms: number; get: string }>;
  download(get: string, size: number): Promise<number>;
  restart(): Promise<void>;
  gc(): Promise<void>;
  stop(): Promise<void>;
}

async function bareSide(nodeFlags: string[]): Promise<Side> {
  const boot = async () => {
    const child = forkTs(`${here}servers/bare-files.ts`, { label: 'bare file server', nodeFlags });
    return { child, url: (await child.once<{ url: string }>('ready')).url };
  };
  let cur: { child: NodeChild; url: string } = await boot();
  return {
    kind: 'bare',
    pid: () => cur.child.pid,
    async upload(bytes, name) {
      const { ms } = await rawUpload(cur.url, bytes, name);
      return { ms, get: `${cur.url}/files/${name}` };
    },
    download: async (get, size) => (await download(get, size)).ms,
    async restart() {
      await cur.child.stop();
      cur = await boot();
    },
    gc: async () => void (await cur.child.call('mem')),
    stop: async () => void (await cur.child.stop()),
  };
}

async function pigeonSide(kind: TargetKind, nodeFlags: string[], chunkBytes: number, users: number): Promise<Side> {
  const target: Target = await startTarget(kind, { nodeFlags, label: `${kind} server (attachments)` });
  try {
    const tokens = (await target.users(users, `att${Date.now().toString(36)}_`)).map((u) => u.token);
    const token = tokens[0]!;
    // The warm uploads' shared memory of the link, as the engine keeps it (uploads.ts).
    const link = { memory: null };
    return {
      kind,
      pid: () => target.pid,
      async upload(bytes, name, how, user = 0) {
        const t = tokens[user % tokens.length]!;
        const { ms, result } =
          how === 'whole' ? await pigeonUploadWhole(target.url, t, bytes, name) : await pigeonUploadChunked(target.url, t, bytes, name, chunkBytes, how === 'warm' ? link : { memory: null });
        return { ms, get: `${target.url}/api/attachments/${result.id}` };
      },
      // Throughput downloads are user 0's own uploads.
      download: async (get, size) => (await download(get, size, token)).ms,
      restart: () => target.restart(),
      gc: async () => void (await target.child.call('mem')),
      stop: () => target.stop(),
    };
  } catch (e) {
    await target.stop();
    throw e;
  }
}

export async function measureAttachments(opts: AttachmentsOptions): Promise<AttachmentsFigures> {
  const nodeFlags = [...(opts.nodeFlags ?? []), '--expose-gc'];
  const largest = Math.max(opts.fileBytes, ...opts.rssSizes);
  const bytes = randomBytes(largest);
  const file = bytes.subarray(0, opts.fileBytes);
  const throughput: ThroughputRow[] = [];
  const rss: RssRow[] = [];
  const sides = ['bare', ...opts.stores] as TargetKind[];
  // All sides up at once, so the throughput rounds can alternate between them: a drift of the
  // shared machine then hits every side alike, not whichever ran during it.
  const started: Side[] = [];
  try {
    for (const kind of sides) started.push(kind === 'bare' ? await bareSide(nodeFlags) : await pigeonSide(kind, nodeFlags, opts.chunkBytes, opts.parallel));
    console.log(`\n[attachments] ${sides.join(', ')}: ${opts.runs} rounds of a ${fmtBytes(opts.fileBytes)} file, alternating`);
    throughput.push(...(await measureThroughput(started, file, opts)));
    for (const side of started) {
      if (side.kind === 'mongodb' && !opts.mongoRss) continue;
      console.log(`\n[attachments] ${side.kind}: ${opts.parallel} parallel uploads of ${opts.rssSizes.map(fmtBytes).join(', ')}`);
      for (const size of opts.rssSizes) rss.push(await measureRss(side, bytes.subarray(0, size), opts.parallel));
    }
  } finally {
    for (const side of started) await side.stop();
  }
  return { fileBytes: opts.fileBytes, chunkBytes: opts.chunkBytes, runs: opts.runs, parallel: opts.parallel, throughput, rss };
}

async function measureThroughput(sides: Side[], file: Uint8Array, opts: AttachmentsOptions): Promise<ThroughputRow[]> {
  const all = sides.map(() => ({ uploadChunked: [] as number[], uploadChunkedWarm: [] as number[], uploadWhole: [] as number[], download: [] as number[] }));
  let n = 0;
  // One untimed round first (JIT, page cache, the first SQLite pages of the records); each round
  // visits every side, in an order that rotates so none always goes first.
  for (let round = 0; round <= opts.runs; round++) {
    const timed = round > 0;
    for (let k = 0; k < sides.length; k++) {
      const i = (k + round) % sides.length;
      const side = sides[i]!;
      const samples = all[i]!;
      const chunked = side.kind !== 'bare';
      const whole = await side.upload(file, `f${n++}.bin`, 'whole');
      const down = await side.download(whole.get, file.length);
      const cold = chunked ? await side.upload(file, `f${n++}.bin`, 'cold') : null;
      const warm = chunked ? await side.upload(file, `f${n++}.bin`, 'warm') : null;
      if (!timed) continue;
      samples.uploadWhole.push(whole.ms);
      samples.download.push(down);
      if (cold) samples.uploadChunked.push(cold.ms);
      if (warm) samples.uploadChunkedWarm.push(warm.ms);
    }
  }
  const rate = (list: number[]) => mibPerSec(file.length, median(list));
  return sides.map((side, i) => {
    const samples = all[i]!;
    const chunked = side.kind !== 'bare';
    const row: ThroughputRow = {
      kind: side.kind,
      uploadChunked: chunked ? rate(samples.uploadChunked) : null,
      uploadChunkedWarm: chunked ? rate(samples.uploadChunkedWarm) : null,
      uploadWhole: rate(samples.uploadWhole),
      download: rate(samples.download),
      samples,
    };
    console.log(`  ${side.kind}: upload ${row.uploadWhole.toFixed(0)} MiB/s (one request)${row.uploadChunked !== null ? `, ${row.uploadChunked.toFixed(0)} MiB/s (chunks, first file), ${row.uploadChunkedWarm?.toFixed(0)} MiB/s (chunks, next file)` : ''}, download ${row.download.toFixed(0)} MiB/s`);
    return row;
  });
}

async function measureRss(side: Side, bytes: Uint8Array, parallel: number): Promise<RssRow> {
  await side.restart();
  await sleep(1000);
  const settle = async () => {
    await side.gc();
    await sleep(300);
    await side.gc();
    return readRss(side.pid());
  };
  const before = await settle();
  const sampler = sampleRss(() => readRss(side.pid()), 50);
  const started = performance.now();
  await Promise.all(Array.from({ length: parallel }, (_, i) => side.upload(bytes, `p${bytes.length}-${i}.bin`, 'whole', i)));
  const ms = performance.now() - started;
  await sleep(200);
  const { peak, samples } = sampler.stop();
  const after = await settle();
  console.log(`  ${parallel} × ${fmtBytes(bytes.length)}: RSS ${fmtBytes(before)} → peak ${fmtBytes(peak)} (+${fmtBytes(peak - before)}) → ${fmtBytes(after)} after GC, ${(ms / 1000).toFixed(1)} s`);
  return { kind: side.kind, size: bytes.length, parallel, before, peak, after, samples, ms };
}

const label = (k: TargetKind) => (k === 'bare' ? 'bare Node HTTP → file (baseline)' : k === 'sqlite' ? 'Pigeon, SQLite store (files under DATA_DIR)' : 'Pigeon, MongoDB store (GridFS on FerretDB)');
const rateText = (v: number | null) => (v === null ? '–' : Number.isFinite(v) ? `${v.toFixed(0)} MiB/s` : '–');
const pct = (v: number) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '–');

export function renderAttachments(f: AttachmentsFigures): string {
  const bare = f.throughput.find((t) => t.kind === 'bare');
  const vs = (v: number | null, base: number | undefined) => (v === null || base === undefined ? '' : ` (${pct(v / base)})`);
  const rows = f.throughput.map((t) => [
    label(t.kind),
    rateText(t.uploadChunked) + (t.kind === 'bare' ? '' : vs(t.uploadChunked, bare?.uploadWhole)),
    rateText(t.uploadChunkedWarm) + (t.kind === 'bare' ? '' : vs(t.uploadChunkedWarm, bare?.uploadWhole)),
    rateText(t.uploadWhole) + (t.kind === 'bare' ? '' : vs(t.uploadWhole, bare?.uploadWhole)),
    rateText(t.download) + (t.kind === 'bare' ? '' : vs(t.download, bare?.download)),
  ]);
  const targets: string[] = [];
  const sq = f.throughput.find((t) => t.kind === 'sqlite');
  if (bare && sq) {
    const line = (what: string, v: number) => {
      const r = throughputVerdict(v, what === 'download' ? bare.download : bare.uploadWhole);
      return `- ${r.met ? '✔ met' : '✘ not met'}: ${what}, Pigeon on SQLite ≥ ${pct(THROUGHPUT_TARGET)} of raw — measured ${pct(r.ratio)}`;
    };
    if (sq.uploadChunked !== null) targets.push(line(`upload in ${chunksLabel(f.chunkBytes)}, first file of a session (as the engine sends it)`, sq.uploadChunked));
    if (sq.uploadChunkedWarm !== null && sq.uploadChunkedWarm !== undefined) targets.push(line(`upload in chunks, a file after another (as the engine sends it)`, sq.uploadChunkedWarm));
    targets.push(line('upload as one request', sq.uploadWhole), line('download', sq.download));
  }
  const mo = f.throughput.find((t) => t.kind === 'mongodb');
  if (bare && mo) targets.push(`- (no target) MongoDB/GridFS on FerretDB: upload ${pct((mo.uploadChunked ?? NaN) / bare.uploadWhole)} (chunks, first file), ${pct((mo.uploadChunkedWarm ?? NaN) / bare.uploadWhole)} (chunks, next file), ${pct(mo.uploadWhole / bare.uploadWhole)} (one request), download ${pct(mo.download / bare.download)} of raw`);
  const sizes = [...new Set(f.rss.map((r) => r.size))].sort((a, b) => a - b);
  for (const kind of [...new Set(f.rss.map((r) => r.kind))]) {
    const at = (size: number) => f.rss.find((r) => r.kind === kind && r.size === size);
    const small = sizes.length >= 2 ? at(sizes[sizes.length - 2]!) : undefined;
    const large = at(sizes[sizes.length - 1]!);
    if (!small || !large) continue;
    const v = rssVerdict(small as RssRun, large as RssRun);
    const what = `${label(kind)}: RSS peak growth with ${f.parallel} × ${fmtBytes(large.size)} ${fmtBytes(growth(large))} vs ${f.parallel} × ${fmtBytes(small.size)} ${fmtBytes(growth(small))} (${Number.isFinite(v.ratio) ? `${v.ratio.toFixed(2)} ×` : '–'})`;
    if (kind === 'sqlite') targets.push(`- ${v.met ? '✔ met' : '✘ not met'}: ${what}; target < ${RSS_RATIO_TARGET} × or < ${fmtBytes(RSS_FLOOR)}${v.by === 'floor' ? ' (met by the floor)' : ''}`);
    else targets.push(`- (${kind === 'bare' ? 'baseline' : 'no target'}) ${what}`);
  }
  return [
    `### 10. Attachments: upload, download, server memory (issue #17)`,
    `A ${fmtBytes(f.fileBytes)} file of random bytes, client = the bench process (fetch), each server in its own child process. Pigeon: \`POST /api/attachments\` in ${chunksLabel(f.chunkBytes)}, \`Content-Range\` one after another (as the engine uploads: the first file of a session starts at 256 KiB, a file sent within a minute of another starts at the size that one reached), and as one request (sha256 in the query, checked by the server), then \`GET /api/attachments/:id\` read to the end. ` +
      `Baseline in the same run: a raw fetch POST of the same bytes to a bare Node HTTP server streaming them to a file (no auth, hashing, sniffing or database), and a raw GET streaming the file back. Median of ${f.runs} rounds after an untimed one; the % compares with the baseline's one-request upload and its download.`,
    '',
    table(['server', `upload, ${chunksLabel(f.chunkBytes)}: first file`, 'upload, chunks: next file', 'upload, one request', 'download'], rows),
    '',
    `Server memory${f.throughput.some((t) => t.kind === 'mongodb') && !f.rss.some((r) => r.kind === 'mongodb') ? ' (not on MongoDB: GridFS on FerretDB stores ~4 MiB/s here, 20 × 16 MiB would take over 20 min; `--attachment-mongo-rss` runs it)' : ''}: a fresh server process per size, RSS (VmRSS) after a full GC, sampled every 50 ms while ${f.parallel} uploads (one request each, by ${f.parallel} users: Pigeon allows 4 at once per user) run at once, and after a full GC once done.`,
    '',
    table(
      ['server', 'uploads', 'RSS before', 'peak during', 'peak growth', 'after (GC)', 'wall', 'samples'],
      f.rss.map((r) => [label(r.kind), `${r.parallel} × ${fmtBytes(r.size)}`, fmtBytes(r.before), fmtBytes(r.peak), fmtBytes(r.peak - r.before), fmtBytes(r.after), `${(r.ms / 1000).toFixed(1)} s`, String(r.samples)]),
    ),
    '',
    '**Targets** (reported, not asserted):',
    '',
    ...targets,
  ].join('\n');
}

/** How the chunked upload was sized, for the report. */
const chunksLabel = (chunkBytes: number): string => (chunkBytes === 0 ? 'chunks sized like the engine (256 KiB, then ~1 s each, ≤ 8 MiB, a tail ≤ ¼ chunk sent with the last)' : `${fmtBytes(chunkBytes)} chunks`);

export const ATTACHMENT_DEFAULTS = { fileBytes: 10 * MiB, chunkBytes: 0, parallel: 20, rssSizes: [MiB, 4 * MiB, 16 * MiB] };
