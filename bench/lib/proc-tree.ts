/**
 * The processes under one (Linux /proc): Chromium runs a browser process, a renderer per page and
 * utility processes (network, storage) for one launch, and the CPU they spend between two
 * moments is what a figure's browser work cost, whichever of them did it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readCpuSeconds } from './procs.ts';

/** `[pid, parent pid, command name]` of every process still readable. */
function processTable(): Array<[number, number, string]> {
  const rows: Array<[number, number, string]> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // After ") ": state, then the parent pid.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      rows.push([Number(name), ppid, comm]);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return rows;
}

/** The pids below `root` (children, theirs, …) whose command name contains `named`. */
export function descendantPids(root: number, named: string): number[] {
  const table = processTable();
  const below = new Set([root]);
  // A child is listed after its parent only by chance: repeat until nothing new joins.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of table) {
      if (!below.has(pid) && below.has(ppid)) {
        below.add(pid);
        grew = true;
      }
    }
  }
  return table.filter(([pid, , comm]) => pid !== root && below.has(pid) && comm.includes(named)).map(([pid]) => pid);
}

/**
 * CPU seconds (user + system) of the processes below `root` named `named`, from now until the
 * returned function is called. A process that ends meanwhile is left out of the sum.
 */
export function treeCpuMeter(root: number, named: string): () => number {
  const start = new Map<number, number>();
  for (const pid of descendantPids(root, named)) {
    try {
      start.set(pid, readCpuSeconds(pid));
    } catch {
      // Ended meanwhile.
    }
  }
  return () => {
    let sum = 0;
    for (const pid of descendantPids(root, named)) {
      try {
        sum += readCpuSeconds(pid) - (start.get(pid) ?? 0);
      } catch {
        // Ended meanwhile.
      }
    }
    return sum;
  };
}
