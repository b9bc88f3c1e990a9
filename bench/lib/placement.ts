/**
 * Pure parts of the cross-node figure: where each socket connects and whom it sends to, and
 * the CPU comparison. Users come in pairs (2k sends, 2k+1 receives); senders are always on
 * node A; their recipients on node A (same-node: the delivery is a local room emit) or on
 * node B (cross-node: it goes through the Redis adapter).
 */
export type Placement = 'same-node' | 'cross-node';
export const PLACEMENTS: readonly Placement[] = ['same-node', 'cross-node'];

export interface SocketPlan {
  /** urls[i]: the node user i connects to. */
  urls: string[];
  /** peers[i]: whom user i sends to, -1 for a recipient (receives only). */
  peers: number[];
}

export function placeSockets(users: number, placement: Placement, nodeA: string, nodeB: string): SocketPlan {
  if (users < 2 || users % 2 !== 0) throw new Error('placeSockets: an even number of users, at least 2');
  const urls: string[] = [];
  const peers: number[] = [];
  for (let i = 0; i < users; i++) {
    const sender = i % 2 === 0;
    urls.push(sender || placement === 'same-node' ? nodeA : nodeB);
    peers.push(sender ? i + 1 : -1);
  }
  return { urls, peers };
}

/** CPU of the server nodes per delivered message, µs; NaN when nothing completed. */
export function cpuPerMessageUs(nodeCores: number, completedPerSec: number): number {
  return completedPerSec > 0 ? (nodeCores / completedPerSec) * 1e6 : NaN;
}

/** Target of issue #14: cross-node CPU per message ≤ 1.25 × same-node. */
export const CROSS_NODE_CPU_TARGET = 1.25;

export function crossNodeVerdict(sameUs: number, crossUs: number): { ratio: number; met: boolean } {
  const ratio = crossUs / sameUs;
  return { ratio, met: Number.isFinite(ratio) && ratio <= CROSS_NODE_CPU_TARGET };
}
