/**
 * Reads what a proxy connection carries, without changing a byte: the WebSocket frames of a
 * Socket.io connection, decoded into the few packets the 2-node checks need (who connected,
 * when the node accepted the socket, each `send-message` and its ack). Pure: bytes in, packets
 * out, so it is unit-tested without sockets.
 *
 * Only the WebSocket transport is followed (the engine's first choice); an HTTP connection
 * (REST, or long-polling) is recognised from its request line and ignored. Frames are read as
 * the WebSocket RFC lays them out (client→server frames are masked; the server runs without
 * permessage-deflate, Socket.io's default, so payloads are plain text).
 */

/** One Socket.io packet of the default namespace. */
export interface SioPacket {
  /** 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR. */
  type: number;
  ackId: number | null;
  data: unknown;
}

/**
 * The byte stream of one direction of one connection → Socket.io packets. `up` (client→server)
 * starts with the HTTP upgrade request, `down` with the 101 answer; a connection that turns out
 * not to be a WebSocket is ignored from then on.
 */
export class SocketIoStream {
  private mode: 'http' | 'ws' | 'ignore' = 'http';
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly dir: 'up' | 'down') {}

  get isWebSocket(): boolean {
    return this.mode === 'ws';
  }

  feed(chunk: Buffer): SioPacket[] {
    if (this.mode === 'ignore') return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.mode === 'http') {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buf.length > 16_384) this.ignore();
        return [];
      }
      const head = this.buf.subarray(0, end).toString('latin1');
      const first = head.slice(0, head.indexOf('\r\n') >>> 0);
      const upgrade = this.dir === 'up' ? /^GET \/socket\.io\/\S*transport=websocket/.test(first) : /^HTTP\/1\.1 101 /.test(first);
      if (!upgrade) return this.ignore();
      this.mode = 'ws';
      this.buf = this.buf.subarray(end + 4);
    }
    const out: SioPacket[] = [];
    for (let frame = this.nextFrame(); frame !== null; frame = this.nextFrame()) {
      const packet = frame === undefined ? null : parseSocketIo(frame);
      if (packet) out.push(packet);
    }
    return out;
  }

  private ignore(): [] {
    this.mode = 'ignore';
    this.buf = Buffer.alloc(0);
    return [];
  }

  /** The next complete frame's text (undefined: a frame that is not one whole text message), or null when incomplete. */
  private nextFrame(): string | undefined | null {
    const b = this.buf;
    if (b.length < 2) return null;
    const fin = (b[0]! & 0x80) !== 0;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let len = b[1]! & 0x7f;
    let at = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = b.readUInt16BE(2);
      at = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      len = Number(b.readBigUInt64BE(2));
      at = 10;
    }
    const maskAt = at;
    if (masked) at += 4;
    if (b.length < at + len) return null;
    const payload = Buffer.from(b.subarray(at, at + len));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= b[maskAt + (i % 4)]!;
    this.buf = b.subarray(at + len);
    // Fragmented or binary messages never carry what we look for (small JSON events).
    return fin && opcode === 1 ? payload.toString('utf8') : undefined;
  }
}

/** An Engine.IO message ("4…") holding a Socket.IO packet of the default namespace; anything else is null. */
export function parseSocketIo(text: string): SioPacket | null {
  if (text[0] !== '4') return null;
  const type = Number(text[1]);
  if (!Number.isInteger(type)) return null;
  let rest = text.slice(2);
  if (rest.startsWith('/')) return null; // another namespace: Pigeon uses only "/"
  const digits = /^\d+/.exec(rest);
  const ackId = digits ? Number(digits[0]) : null;
  if (digits) rest = rest.slice(digits[0].length);
  let data: unknown = null;
  if (rest.length > 0) {
    try {
      data = JSON.parse(rest);
    } catch {
      return null;
    }
  }
  return { type, ackId, data };
}

/** The `sub` claim of a JWT (the user id of an access token), without verifying it: the node does that. */
export function jwtSubject(token: unknown): string | null {
  if (typeof token !== 'string') return null;
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : null;
  } catch {
    return null;
  }
}
