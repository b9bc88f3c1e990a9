import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { HeartbeatLink, LinkHealth } from './link-health.ts';

function setup(names: string[]) {
  const links = Object.fromEntries(names.map((n) => [n, Object.assign(new EventEmitter(), { status: 'ready' })]));
  const calls: string[] = [];
  let now = 1_000;
  const health = new LinkHealth(
    links,
    { lost: (down) => calls.push(`lost ${down.join(',')}`), recovered: (ms) => calls.push(`recovered after ${ms}`) },
    () => now,
  );
  return { links, calls, health, advance: (ms: number) => (now += ms) };
}

describe('LinkHealth', () => {
  it('reports the outage once when several links go, and recovery once when the last is back', () => {
    const { links, calls, health, advance } = setup(['pub', 'sub', 'cluster']);
    expect(health.healthy).toBe(true);
    expect(health.linkUpSince).toBe(1_000);
    links.pub!.emit('close');
    links.sub!.emit('close');
    links.pub!.emit('end');
    expect(calls).toEqual(['lost pub']);
    expect(health.linkUpSince).toBeNull();
    advance(4_000);
    links.pub!.emit('ready');
    links.cluster!.emit('ready'); // was never down: changes nothing
    expect(calls).toEqual(['lost pub']);
    expect(health.healthy).toBe(false);
    advance(1_000);
    links.sub!.emit('ready');
    expect(calls).toEqual(['lost pub', 'recovered after 5000']);
    expect(health.linkUpSince).toBe(6_000);
  });

  it('says nothing once stopped (the node closes its own links)', () => {
    const { links, calls, health } = setup(['pub']);
    health.stop();
    links.pub!.emit('end');
    links.pub!.emit('ready');
    expect(calls).toEqual([]);
  });

  it('a link that is not ready at the start counts as down, and its ready is a recovery', () => {
    const links = { a: Object.assign(new EventEmitter(), { status: 'connecting' }) };
    const calls: string[] = [];
    const health = new LinkHealth(links, { lost: () => calls.push('lost'), recovered: () => calls.push('recovered') }, () => 5);
    expect(health.healthy).toBe(false);
    links.a.emit('ready');
    expect(calls).toEqual(['recovered']);
    expect(health.linkUpSince).toBe(5);
  });
});

describe('HeartbeatLink', () => {
  it('is down after two failed heartbeats in a row, up at the next success', () => {
    const link = new HeartbeatLink();
    const events: string[] = [];
    link.on('close', () => events.push('close'));
    link.on('ready', () => events.push('ready'));
    link.beat(false);
    link.beat(true); // one miss is a stall, not an outage
    link.beat(false);
    expect(events).toEqual([]);
    link.beat(false);
    link.beat(false);
    expect(events).toEqual(['close']);
    expect(link.status).toBe('down');
    link.beat(true);
    link.beat(true);
    expect(events).toEqual(['close', 'ready']);
  });
});
