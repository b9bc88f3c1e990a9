/**
 * Bytes the server holds for one client that the client has not read yet:
 * engine.io's write buffer (packets waiting while the transport is busy, or
 * until the next long-poll) plus, on WebSocket, ws's `bufferedAmount` (frames
 * handed to the TCP socket that the kernel could not send yet).
 *
 * Reaches into engine.io's socket and transport the way coalesce-writes.ts
 * does (no public API exposes either number); every access is guarded, so an
 * engine.io that changed shape reads as 0 rather than throwing.
 */
/** engine.io's socket (`socket.conn`); typed loosely because `writeBuffer` is private in its typings. */
export type EngineConnection = object;

interface ConnectionShape {
  writeBuffer?: unknown;
  transport?: unknown;
}

interface WsLike {
  bufferedAmount?: unknown;
  terminate?: unknown;
}

interface TransportLike {
  name?: unknown;
  socket?: WsLike | null;
}

/** Sums the unsent bytes, stopping early once past `stopAbove` (the caller only needs "over or not"). */
export function bufferedBytes(engineSocket: EngineConnection, stopAbove = Infinity): number {
  const conn = engineSocket as ConnectionShape;
  const transport = conn.transport as TransportLike | undefined;
  const ws = transport?.name === 'websocket' ? transport.socket : null;
  let total = typeof ws?.bufferedAmount === 'number' ? ws.bufferedAmount : 0;
  const packets = Array.isArray(conn.writeBuffer) ? (conn.writeBuffer as { data?: unknown }[]) : [];
  for (const packet of packets) {
    if (total > stopAbove) break;
    total += sizeOf(packet?.data);
  }
  return total;
}

function sizeOf(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/**
 * Ends a connection whose reader stalled, freeing what it holds NOW: ws's
 * `terminate()` destroys the TCP socket (a polite close would queue a close
 * frame behind the stuck data and wait 30 s), and `close(true)` makes engine.io
 * discard its write buffer instead of waiting for a drain that never comes.
 */
export function cutConnection(conn: { close(discard?: boolean): unknown }): void {
  const transport = (conn as ConnectionShape).transport as TransportLike | undefined;
  const ws = transport?.name === 'websocket' ? transport.socket : null;
  if (typeof ws?.terminate === 'function') (ws.terminate as () => void).call(ws);
  conn.close(true);
}
