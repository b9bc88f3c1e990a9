/**
 * Summaries of V8 .cpuprofile files (written by `--cpu-prof` on the server children):
 * self time per function and per module (a package under node_modules, or a source
 * file of this repo), as shares of the profile's total samples (idle excluded).
 *
 *   node --import tsx bench/lib/profile.ts bench/profiles/CPU.*.cpuprofile
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  functions: Array<{ name: string; where: string; ms: number; share: number }>;
  modules: Array<{ module: string; ms: number; share: number }>;
  /** Inclusive time of functions whose name matches, for "where did X go" questions. */
  inclusive: Array<{ name: string; where: string; ms: number; share: number }>;
}

export function moduleOf(url: string): string {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return url;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /\/work\/[^/]+\/(.*)$/.exec(url.replace(/^file:\/\//, ''));
  return m ? m[1]! : url.replace(/^file:\/\//, '');
}

export function summarizeProfile(path: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000));
  let total = 0;
  let idle = 0;
  const fn = new Map<string, { name: string; where: string; ms: number }>();
  const mod = new Map<string, number>();
  for (const [id, ms] of self) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === '(idle)') {
      idle += ms;
      continue;
    }
    total += ms;
    const where = `${moduleOf(cf.url)}:${cf.lineNumber + 1}`;
    const key = `${cf.functionName}@${where}`;
    const e = fn.get(key) ?? { name: cf.functionName || '(anonymous)', where, ms: 0 };
    e.ms += ms;
    fn.set(key, e);
    const m = cf.url ? moduleOf(cf.url) : cf.functionName.startsWith('(') ? cf.functionName : '(native / V8)';
    mod.set(m, (mod.get(m) ?? 0) + ms);
  }
  // Inclusive time: a node's self time counts for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map<string, { name: string; where: string; ms: number }>();
  for (const [id, ms] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)') continue;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      if (!cf.url) continue;
      const where = `${moduleOf(cf.url)}:${cf.lineNumber + 1}`;
      const key = `${cf.functionName}@${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const e = incl.get(key) ?? { name: cf.functionName || '(anonymous)', where, ms: 0 };
      e.ms += ms;
      incl.set(key, e);
    }
  }
  const share = (ms: number) => ms / total;
  return {
    totalMs: total,
    idleMs: idle,
    functions: [...fn.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map((e) => ({ ...e, share: share(e.ms) })),
    modules: [...mod.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([module, ms]) => ({ module, ms, share: share(ms) })),
    inclusive: [...incl.values()].sort((a, b) => b.ms - a.ms).slice(0, top * 2).map((e) => ({ ...e, share: share(e.ms) })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const path of process.argv.slice(2)) {
    const s = summarizeProfile(path);
    const pct = (v: number) => `${(v * 100).toFixed(1).padStart(5)} %`;
    console.log(`\n${path}: ${(s.totalMs / 1000).toFixed(1)} s busy, ${(s.idleMs / 1000).toFixed(1)} s idle`);
    console.log('\nself time by module:');
    for (const m of s.modules) console.log(`  ${pct(m.share)}  ${m.module}`);
    console.log('\nself time by function:');
    for (const f of s.functions) console.log(`  ${pct(f.share)}  ${f.name}  (${f.where})`);
    console.log('\ninclusive time (repo code and packages):');
    for (const f of s.inclusive) console.log(`  ${pct(f.share)}  ${f.name}  (${f.where})`);
  }
}
