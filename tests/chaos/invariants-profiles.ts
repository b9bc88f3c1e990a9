/**
 * The profile checks (#19 item 12), pure functions over the run's record (check-input-profiles.ts):
 *
 *  - profile-converge: after the settle, every device signed in as its own user shows that user's
 *    name and about line as the server has them (other devices' changes included), and those of the
 *    peers of its 1:1 chats (their changes reach it by event; copies out of order must not undo them);
 *  - profile-lost: for every field some device changed, the server holds one of the values set
 *    (never a value nobody set, nor the one from before when a change was accepted); when every
 *    change of that field came from one device, it is that device's last one (its outbox keeps
 *    one merged entry and sends in order).
 * Both are judged in the settle loop too: the run waits (bounded) until devices converge.
 */
import type { ProfileInput } from './check-input-profiles.ts';
import type { Violation } from './check-input.ts';

export function checkProfiles(input: { profiles?: ProfileInput }): Violation[] {
  const p = input.profiles;
  if (!p) return [];
  return [...checkProfileConverge(p), ...checkProfileLost(p)];
}

export function checkProfileConverge(p: ProfileInput): Violation[] {
  const out: Violation[] = [];
  for (const d of p.devices) {
    if (d.userId !== d.expectedUserId) continue;
    for (const [userId, shown] of Object.entries(d.shown)) {
      const server = p.server[userId];
      if (!server) continue;
      for (const field of ['displayName', 'about'] as const) {
        if (shown[field] === server[field]) continue;
        out.push({
          invariant: 'profile-converge',
          message: `${d.device} shows ${field} ${JSON.stringify(shown[field])} for ${userId}, the server says ${JSON.stringify(server[field])}`,
          diff: { device: d.device, userId, field, shown: shown[field], server: server[field] },
        });
      }
    }
  }
  return out;
}

export function checkProfileLost(p: ProfileInput): Violation[] {
  const out: Violation[] = [];
  const byField = new Map<string, ProfileInput['applied']>();
  for (const a of p.applied) byField.set(`${a.userId} ${a.field}`, [...(byField.get(`${a.userId} ${a.field}`) ?? []), a]);
  for (const [k, ops] of byField) {
    const [userId, field] = k.split(' ') as [string, 'displayName' | 'about'];
    const server = p.server[userId]?.[field];
    const said = ops.map((o) => `#${o.op} ${o.device} ${JSON.stringify(o.value)}`).join(', ');
    if (server === undefined || !ops.some((o) => o.value === server)) {
      out.push({ invariant: 'profile-lost', message: `${field} of ${userId}: the server says ${JSON.stringify(server)}, which no accepted change set (${said})`, diff: { ops, server } });
      continue;
    }
    const last = ops[ops.length - 1]!;
    if (new Set(ops.map((o) => o.device)).size === 1 && server !== last.value) {
      out.push({ invariant: 'profile-lost', message: `${field} of ${userId}: every change came from ${last.device}, whose last (#${last.op}) set ${JSON.stringify(last.value)}; the server says ${JSON.stringify(server)} (${said})`, diff: { ops, server } });
    }
  }
  return out;
}
