/**
 * What devices show and do, checked at the end of a run (see invariants.ts for delivery):
 * statuses (final and while the run went on), privacy, empty outboxes, sessions that survive
 * faults and account switches, and a refresh-token reuse rule that never fires for them.
 */
import { keyOf, members, type CheckInput, type Violation } from './check-input.ts';

/** (3) Final status: the same on every device and equal to the server's; and no device ever moved one backwards. */
export function checkStatus(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  for (const conversationId of input.conversationIds) {
    const server = new Map((input.server[conversationId] ?? []).map((m) => [keyOf(m), m]));
    for (const dev of input.devices) {
      if (!members(conversationId).includes(dev.userId)) continue;
      const wrong: string[] = [];
      const keys: string[] = [];
      for (const m of dev.messages[conversationId] ?? []) {
        const s = server.get(m.key);
        if (s && s.status !== m.status) {
          wrong.push(`${m.key} seq ${m.seq}: device ${m.status}, server ${s.status} (sender ${m.senderId === dev.userId ? 'me' : 'peer'})`);
          keys.push(m.key);
        }
      }
      if (wrong.length > 0) {
        out.push({ invariant: 'same-status', message: `${dev.name} ${conversationId}: ${wrong.length} statuses differ from the server`, diff: wrong.slice(0, 30), keys });
      }
    }
  }
  for (const o of input.observations) {
    if (o.kind === 'status-backwards' || o.kind === 'vanished' || o.kind === 'seq-changed') {
      out.push({ invariant: 'status-monotonic', message: `${o.device} at op #${o.op} (${o.t} ms): ${o.kind}: ${o.detail}`, keys: o.key ? [o.key] : [] });
    }
  }
  return out;
}

/** (4) No device holds or was handed a message of a conversation its user is not in. */
export function checkPrivacy(input: CheckInput): Violation[] {
  const out: Violation[] = [];
  for (const dev of input.devices) {
    for (const [conversationId, list] of Object.entries(dev.messages)) {
      const foreign = list.filter(
        (m) => !members(conversationId).includes(dev.userId) || (m.senderId !== dev.userId && m.recipientId !== dev.userId),
      );
      if (foreign.length > 0) {
        out.push({ invariant: 'privacy', message: `${dev.name} holds ${foreign.length} messages of ${conversationId}`, keys: foreign.map((m) => m.key) });
      }
    }
    for (const c of dev.conversationIds) {
      if (!members(c).includes(dev.userId)) out.push({ invariant: 'privacy', message: `${dev.name} lists conversation ${c}` });
    }
  }
  for (const o of input.observations) {
    if (o.kind === 'foreign-message') out.push({ invariant: 'privacy', message: `${o.device} at op #${o.op}: ${o.detail}`, keys: o.key ? [o.key] : [] });
  }
  return out;
}

/** (5) Nothing left to send. */
export function checkOutboxes(input: CheckInput): Violation[] {
  return input.devices
    .filter((d) => d.outbox.length > 0)
    .map((d) => ({
      invariant: 'outbox-empty' as const,
      message: `${d.name}: ${d.outbox.length} messages still in the outbox`,
      keys: d.outbox.map((m) => m.key),
      diff: d.outbox.map((m) => ({ key: m.key, status: m.status, error: m.error })),
    }));
}

/**
 * Sessions and the API: a device stays signed in through faults, reloads, restarts and token
 * refreshes (it signs out only when asked to, for an account switch), every account it was
 * asked to sign in could sign in once the faults stopped, it ends signed in as its own user,
 * and its calls complete.
 */
export function checkDevices(input: CheckInput): Violation[] {
  const session = new Set(['signed-out', 'resume-failed', 'switch-failed']);
  const out: Violation[] = input.observations
    .filter((o) => session.has(o.kind) || o.kind === 'op-failed' || o.kind === 'engine-error')
    .map((o) => ({
      invariant: session.has(o.kind) ? ('session' as const) : ('device-api' as const),
      message: `${o.device} at op #${o.op}: ${o.kind}: ${o.detail}`,
      around: { device: o.device, t: o.t },
    }));
  for (const d of input.devices) {
    if (d.expectedUserId !== undefined && d.userId !== d.expectedUserId) {
      out.push({ invariant: 'session', message: `${d.name} ended signed in as ${d.userId || 'nobody'}, not as its own user ${d.expectedUserId}` });
    }
    for (const m of d.searchMismatch ?? []) out.push({ invariant: 'device-search', message: `${d.name}: search ${m}` });
    for (const m of d.storageProblem ?? []) out.push({ invariant: 'device-storage', message: `${d.name}: ${m}` });
  }
  return out;
}

/** Every client is honest: the server never revokes a session for a replayed refresh token. */
export function checkTokenReuse(input: CheckInput): Violation[] {
  return (input.tokenReuses ?? []).map((r) => ({
    invariant: 'token-reuse' as const,
    message: `the server revoked session ${r.sessionId} of user ${r.userId} at ${r.at}: a replaced refresh token was presented again ${r.sinceRotationMs ?? '?'} ms after its rotation`,
  }));
}
