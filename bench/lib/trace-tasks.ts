/**
 * The long tasks of a page load's Chromium trace (recorded with `disabled-by-default-v8.cpu_profiler`):
 * each main-thread task of at least `minMs` from the page's navigation, with the functions that
 * sampled the most self time in it. Names are the built files' (minified): build with
 * `sourcemap: true` to map them back.
 */
interface TraceEvent {
  name: string;
  ph?: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { data?: Record<string, unknown> & { cpuProfile?: { nodes?: ProfileNode[]; samples?: number[] }; timeDeltas?: number[] } };
}
interface ProfileNode {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url?: string; lineNumber: number };
}

export interface LongTask {
  atMs: number;
  durMs: number;
  /** Self time per function (`name@file:line`), largest first. */
  self: Array<[string, number]>;
}

export function longTasks(events: TraceEvent[], urlPart: string, minMs = 50, top = 6): LongTask[] {
  const nav = events.find((e) => e.name === 'navigationStart' && (e.args?.data?.documentLoaderURL as string | undefined)?.includes(urlPart));
  if (!nav) return [];
  const nodes = new Map<number, ProfileNode>();
  const samples: Array<[number, number]> = [];
  let t = 0;
  for (const e of events) {
    if (e.pid !== nav.pid) continue;
    if (e.name === 'Profile') t = (e.args?.data?.startTime as number | undefined) ?? t;
    if (e.name !== 'ProfileChunk') continue;
    const data = e.args?.data;
    for (const n of data?.cpuProfile?.nodes ?? []) nodes.set(n.id, n);
    (data?.cpuProfile?.samples ?? []).forEach((id, i) => samples.push([id, (t += data?.timeDeltas?.[i] ?? 0)]));
  }
  const label = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'}@${(n.callFrame.url ?? '').split('/').pop() ?? ''}:${n.callFrame.lineNumber}`;
  return events
    .filter((e) => e.pid === nav.pid && e.tid === nav.tid && e.ph === 'X' && e.name === 'RunTask' && e.ts >= nav.ts && (e.dur ?? 0) >= minMs * 1000)
    .sort((a, b) => a.ts - b.ts)
    .map((task) => {
      const self = new Map<string, number>();
      for (let i = 0; i < samples.length - 1; i++) {
        const [id, at] = samples[i]!;
        const node = nodes.get(id);
        if (!node || at < task.ts || at >= task.ts + task.dur!) continue; // [start, end): a sample at the end is the next task's
        self.set(label(node), (self.get(label(node)) ?? 0) + (samples[i + 1]![1] - at) / 1000);
      }
      return { atMs: (task.ts - nav.ts) / 1000, durMs: task.dur! / 1000, self: [...self].sort((a, b) => b[1] - a[1]).slice(0, top) };
    });
}
