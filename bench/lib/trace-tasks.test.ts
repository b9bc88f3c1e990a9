import { describe, expect, it } from 'vitest';
import { longTasks } from './trace-tasks.ts';

const PAGE = { pid: 1, tid: 7 };
const node = (id: number, functionName: string, url?: string) => ({ id, callFrame: { functionName, lineNumber: 3, ...(url ? { url } : {}) } });

/** A page navigated at 1,000 µs: two tasks (80 ms and 20 ms) and JS samples every 10 ms from 1,000 µs. */
function trace() {
  const samples = Array.from({ length: 12 }, (_, i) => (i < 5 ? 2 : i < 8 ? 3 : 4));
  return [
    { name: 'navigationStart', ts: 1_000, ...PAGE, args: { data: { documentLoaderURL: 'http://x/#/c/dm:a:b' } } },
    { name: 'navigationStart', ts: 500, pid: 2, tid: 1, args: { data: { documentLoaderURL: 'http://x/' } } },
    { name: 'Profile', ts: 1_000, ...PAGE, args: { data: { startTime: 1_000 } } },
    { name: 'ProfileChunk', ts: 1_000, ...PAGE, args: { data: { cpuProfile: { nodes: [node(1, '(root)'), node(2, 'render', 'http://x/assets/Messenger-1.js'), node(3, 'settle', 'http://x/assets/Messenger-1.js'), node(4, '(program)')], samples }, timeDeltas: samples.map((_, i) => (i === 0 ? 0 : 10_000)) } } },
    { name: 'RunTask', ph: 'X', ts: 1_000, dur: 80_000, ...PAGE },
    { name: 'RunTask', ph: 'X', ts: 90_000, dur: 20_000, ...PAGE },
    // Another thread's long task is not the page's.
    { name: 'RunTask', ph: 'X', ts: 1_000, dur: 200_000, pid: 1, tid: 9 },
  ];
}

describe('longTasks', () => {
  it("lists the page's main-thread tasks of at least minMs from its navigation, with the functions sampled most in each", () => {
    const tasks = longTasks(trace(), '#/c/', 50);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.atMs).toBe(0);
    expect(tasks[0]!.durMs).toBe(80);
    expect(tasks[0]!.self).toEqual([
      ['render@Messenger-1.js:3', 50],
      ['settle@Messenger-1.js:3', 30],
    ]);
  });

  it('takes shorter tasks when asked, names frames without a URL, and finds nothing for another page', () => {
    const tasks = longTasks(trace(), '#/c/', 10);
    expect(tasks.map((t) => t.durMs)).toEqual([80, 20]);
    expect(tasks[1]!.self[0]![0]).toBe('(program)@:3');
    expect(longTasks(trace(), '#/devices')).toEqual([]);
  });
});
