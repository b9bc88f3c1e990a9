import { describe, expect, it } from 'vitest';
import { crossNodeVerdict, cpuPerMessageUs, placeSockets } from './placement.ts';

describe('placeSockets', () => {
  it('same-node: every socket on node A, even users send to the next one', () => {
    expect(placeSockets(4, 'same-node', 'A', 'B')).toEqual({ urls: ['A', 'A', 'A', 'A'], peers: [1, -1, 3, -1] });
  });
  it('cross-node: senders on A, their recipients on B', () => {
    expect(placeSockets(4, 'cross-node', 'A', 'B')).toEqual({ urls: ['A', 'B', 'A', 'B'], peers: [1, -1, 3, -1] });
  });
  it('refuses an odd number of users', () => {
    expect(() => placeSockets(3, 'same-node', 'A', 'B')).toThrow();
  });
});

describe('cross-node CPU verdict', () => {
  it('charges the nodes’ cores per completed message', () => {
    expect(cpuPerMessageUs(0.5, 1000)).toBe(500);
    expect(cpuPerMessageUs(0.5, 0)).toBeNaN();
  });
  it('meets the target up to 1.25 × same-node, not beyond, and never on NaN', () => {
    expect(crossNodeVerdict(100, 125)).toEqual({ ratio: 1.25, met: true });
    expect(crossNodeVerdict(100, 126).met).toBe(false);
    expect(crossNodeVerdict(NaN, 100).met).toBe(false);
  });
});
