import { describe, expect, it } from 'vitest';
import { ClusterRecorder } from './cluster-record.ts';
import { SocketIoStream, jwtSubject, parseSocketIo } from './socket-tap.ts';

/** A WebSocket text frame as RFC 6455 lays it out; `mask` as a client sends it. */
function frame(text: string, mask?: [number, number, number, number]): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, len]) : Buffer.from([0x81, 126, len >> 8, len & 0xff]);
  if (mask) head[1]! |= 0x80;
  if (!mask) return Buffer.concat([head, payload]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([head, Buffer.from(mask), masked]);
}

const token = (sub: string) => `x.${Buffer.from(JSON.stringify({ sub, sid: 's' })).toString('base64url')}.y`;
const UPGRADE = 'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n';
const SWITCHING = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n';

describe('socket tap', () => {
  it('parses Socket.IO packets: connect, event with ack id, ack, and ignores Engine.IO pings', () => {
    expect(parseSocketIo('40{"token":"t"}')).toEqual({ type: 0, ackId: null, data: { token: 't' } });
    expect(parseSocketIo('4212["send-message",{"clientId":"c1"}]')).toEqual({ type: 2, ackId: 12, data: ['send-message', { clientId: 'c1' }] });
    expect(parseSocketIo('4312[{"ok":true}]')).toEqual({ type: 3, ackId: 12, data: [{ ok: true }] });
    expect(parseSocketIo('2')).toBeNull();
    expect(parseSocketIo('42/admin,["x"]')).toBeNull();
    expect(jwtSubject(token('u1'))).toBe('u1');
    expect(jwtSubject('nope')).toBeNull();
  });

  it('follows a WebSocket upgrade and decodes masked frames split anywhere', () => {
    const up = new SocketIoStream('up');
    const bytes = Buffer.concat([
      Buffer.from(UPGRADE),
      frame(`40{"token":"${token('u7')}"}`, [1, 2, 3, 4]),
      frame(`423["send-message",{"clientId":"${'c'.repeat(200)}"}]`, [9, 8, 7, 6]),
    ]);
    const packets = [];
    // One byte at a time: TCP may cut anywhere, the proxy's partial cuts do.
    for (let i = 0; i < bytes.length; i++) packets.push(...up.feed(bytes.subarray(i, i + 1)));
    expect(packets.map((p) => [p.type, p.ackId])).toEqual([
      [0, null],
      [2, 3],
    ]);
    expect(up.isWebSocket).toBe(true);
  });

  it('ignores plain HTTP connections', () => {
    const s = new SocketIoStream('up');
    expect(s.feed(Buffer.from('POST /api/messages HTTP/1.1\r\nHost: x\r\n\r\n42["send-message",{}]'))).toEqual([]);
    expect(s.isWebSocket).toBe(false);
  });

  it('records a socket span per accepted connection and each send-message with its ack time', () => {
    let now = 0;
    const rec = new ClusterRecorder(() => now);
    const tap = rec.tap('u0d0', 1);
    tap.up(Buffer.concat([Buffer.from(UPGRADE), frame(`40{"token":"${token('ua')}"}`, [5, 5, 5, 5])]));
    now = 10;
    tap.down(Buffer.concat([Buffer.from(SWITCHING), frame('0{"sid":"e"}'), frame('40{"sid":"s1"}')]));
    now = 20;
    tap.up(frame('421["send-message",{"clientId":"c1","to":"ub","body":"hi"}]', [1, 1, 1, 1]));
    tap.up(frame('422["send-message",{"clientId":"c2","to":"ub","body":"hi"}]', [1, 1, 1, 1]));
    now = 45;
    tap.down(frame('431[{"ok":true,"message":{}}]'));
    tap.down(frame('42["typing",{"from":"ub","conversationId":"dm:ua:ub"}]'));
    tap.down(frame('42["user-offline",{"userId":"ub","lastSeen":"2026-01-01T00:00:00Z"}]'));
    now = 60;
    tap.close();
    const r = rec.finish();
    expect(r.sockets).toEqual([{ device: 'u0d0', node: 1, userId: 'ua', from: 10, to: 60 }]);
    expect(r.sends.map((s) => [s.clientId, s.at, s.ackAt, s.ok, s.closedAt])).toEqual([
      ['c1', 20, 45, true, null],
      ['c2', 20, null, null, 60],
    ]);
    expect(r.wireTyping).toEqual([{ t: 45, socket: 0, peer: 'ub', typing: true }]);
    expect(r.wirePresence).toEqual([{ t: 45, socket: 0, peer: 'ub', online: false }]);
  });

  it('records presence changes only, and resets', () => {
    const rec = new ClusterRecorder(() => 1);
    rec.view('d', { kind: 'presence', peer: 'p', online: true });
    rec.view('d', { kind: 'presence', peer: 'p', online: true });
    rec.view('d', { kind: 'reset', why: 'closed' });
    rec.view('d', { kind: 'presence', peer: 'p', online: true });
    expect(rec.record.views.map((v) => v.kind)).toEqual(['presence', 'reset', 'presence']);
  });
});
