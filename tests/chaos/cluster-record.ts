/**
 * The plain record the 2-node checks read (invariants-cluster.ts), and the recorder that fills
 * it while a run goes on: what the cluster did (node kills and starts, Redis stops and starts),
 * every Socket.io connection the nodes accepted (from the proxies' taps: which user, which node,
 * from when to when), the ack time of every `send-message` and receipt, and what each device showed about
 * its peers (presence, typing) and its own connection. All times are ms since the run started
 * (History.now()).
 */
import { SocketIoStream, jwtSubject } from './socket-tap.ts';
import type { ConnTap } from './proxy.ts';

export interface ClusterEvent {
  t: number;
  kind: 'kill' | 'start' | 'redis-stop' | 'redis-start';
  node?: number;
}

/** A socket a node accepted (its CONNECT answer reached the proxy) until its connection closed. */
export interface SocketSpan {
  device: string;
  node: number;
  userId: string;
  from: number;
  to: number | null;
}

/**
 * One `send-message` over a socket: `at` is when the proxy handed the frame to the node (after
 * any fault delay on the device's side), `ackAt` when the node's ack frame reached the proxy
 * (before any fault delay back). The difference is the node's own ack latency.
 */
export interface SendTiming {
  device: string;
  node: number;
  userId: string;
  clientId: string;
  at: number;
  ackAt: number | null;
  /** The ack's `ok`, and its error code when not ok. */
  ok: boolean | null;
  code: string | null;
  /** The connection closed before the ack came (a fault, or the node died). */
  closedAt: number | null;
}

/**
 * One receipt over a socket (`message-received` with its number of ids, or `message-read`), timed
 * as a send is. Read by no check: the run's line and the dump say how long receipts waited on the
 * node, which is what a slow settle with receipts owed needs to be read (docs/reliability.md C9, C11).
 */
export interface ReceiptTiming {
  device: string;
  node: number;
  event: 'message-received' | 'message-read';
  ids: number;
  at: number;
  ackAt: number | null;
  ok: boolean | null;
  code: string | null;
  closedAt: number | null;
}

const RECEIPT_EVENTS: ReadonlySet<unknown> = new Set(['message-received', 'message-read']);

/** What a device showed: a peer's presence (its conversation list), a typing state, its own connection; `reset` = a new view (reload, sign-in, sign-out). */
export type DeviceView =
  | { kind: 'presence'; peer: string; online: boolean }
  | { kind: 'typing'; peer: string; conversationId: string; typing: boolean }
  | { kind: 'connection'; state: string }
  | { kind: 'reset'; why: string };

export type ViewEvent = DeviceView & { t: number; device: string };

/**
 * A `typing` or `typing-stopped` event a node sent down one socket (`socket`: its index in
 * `sockets`). The engine expires an incoming typing state by itself after 5 s, which would hide a
 * server that never sends the stop; the wire shows it.
 */
export interface WireTyping {
  t: number;
  socket: number;
  peer: string;
  typing: boolean;
}

export interface ClusterRecord {
  events: ClusterEvent[];
  sockets: SocketSpan[];
  sends: SendTiming[];
  receipts: ReceiptTiming[];
  views: ViewEvent[];
  wireTyping: WireTyping[];
  /** `user-online` / `user-offline` events a node sent down a socket (for reading a presence failure; no check reads them). */
  wirePresence: { t: number; socket: number; peer: string; online: boolean }[];
  /** When the record ended (the final checks). */
  end: number;
}

export class ClusterRecorder {
  readonly record: ClusterRecord = { events: [], sockets: [], sends: [], receipts: [], views: [], wireTyping: [], wirePresence: [], end: 0 };
  /** device → peer → online, to record changes only. */
  private readonly shown = new Map<string, Map<string, boolean>>();

  constructor(private readonly now: () => number) {}

  event(kind: ClusterEvent['kind'], node?: number): void {
    this.record.events.push({ t: this.now(), kind, ...(node === undefined ? {} : { node }) });
  }

  view(device: string, v: DeviceView): void {
    if (v.kind === 'reset') this.shown.delete(device);
    if (v.kind === 'presence') {
      let mine = this.shown.get(device);
      if (!mine) this.shown.set(device, (mine = new Map()));
      if (mine.get(v.peer) === v.online) return;
      mine.set(v.peer, v.online);
    }
    this.record.views.push({ t: this.now(), device, ...v });
  }

  /** Taps one proxy connection to `node` of `device`. */
  tap(device: string, node: number): ConnTap {
    const up = new SocketIoStream('up');
    const down = new SocketIoStream('down');
    const pending = new Map<number, SendTiming | ReceiptTiming>();
    let userId = '?';
    let span: SocketSpan | null = null;
    return {
      up: (data) => {
        for (const p of up.feed(data)) {
          if (p.type === 0) userId = jwtSubject((p.data as { token?: unknown } | null)?.token) ?? '?';
          if (p.type !== 2 || p.ackId === null || !Array.isArray(p.data)) continue;
          if (RECEIPT_EVENTS.has(p.data[0])) {
            const ids = (p.data[1] as { messageIds?: unknown } | undefined)?.messageIds;
            const r: ReceiptTiming = { device, node, event: p.data[0] as ReceiptTiming['event'], ids: Array.isArray(ids) ? ids.length : 0, at: this.now(), ackAt: null, ok: null, code: null, closedAt: null };
            pending.set(p.ackId, r);
            this.record.receipts.push(r);
            continue;
          }
          if (p.data[0] !== 'send-message') continue;
          const payload = p.data[1] as { clientId?: unknown } | undefined;
          const s: SendTiming = { device, node, userId, clientId: String(payload?.clientId ?? '?'), at: this.now(), ackAt: null, ok: null, code: null, closedAt: null };
          pending.set(p.ackId, s);
          this.record.sends.push(s);
        }
      },
      down: (data) => {
        for (const p of down.feed(data)) {
          if (p.type === 0 && !span) {
            span = { device, node, userId, from: this.now(), to: null };
            this.record.sockets.push(span);
          } else if (p.type === 2 && span && Array.isArray(p.data) && (p.data[0] === 'typing' || p.data[0] === 'typing-stopped')) {
            const from = (p.data[1] as { from?: unknown } | undefined)?.from;
            if (typeof from === 'string') {
              this.record.wireTyping.push({ t: this.now(), socket: this.record.sockets.indexOf(span), peer: from, typing: p.data[0] === 'typing' });
            }
          } else if (p.type === 2 && span && Array.isArray(p.data) && (p.data[0] === 'user-online' || p.data[0] === 'user-offline')) {
            const peer = (p.data[1] as { userId?: unknown } | undefined)?.userId;
            if (typeof peer === 'string') {
              this.record.wirePresence.push({ t: this.now(), socket: this.record.sockets.indexOf(span), peer, online: p.data[0] === 'user-online' });
            }
          } else if (p.type === 3 && p.ackId !== null) {
            const s = pending.get(p.ackId);
            if (!s) continue;
            pending.delete(p.ackId);
            s.ackAt = this.now();
            const answer = (Array.isArray(p.data) ? p.data[0] : null) as { ok?: unknown; code?: unknown } | null;
            s.ok = typeof answer?.ok === 'boolean' ? answer.ok : null;
            s.code = typeof answer?.code === 'string' ? answer.code : null;
          }
        }
      },
      close: () => {
        const t = this.now();
        if (span && span.to === null) span.to = t;
        for (const s of pending.values()) s.closedAt = t;
        pending.clear();
      },
    };
  }

  finish(): ClusterRecord {
    this.record.end = this.now();
    return this.record;
  }
}
