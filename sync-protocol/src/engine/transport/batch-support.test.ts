import { describe, expect, it } from 'vitest';
import { PigeonError } from '../../errors.ts';
import { BatchSupport } from './batch-support.ts';

const timeout = new PigeonError('UNAVAILABLE', 'socket: operation has timed out', { socket: true });

describe('BatchSupport', () => {
  it('a socket batch without an answer, then a single answered on the same connection: no batches until the next connect', () => {
    const s = new BatchSupport();
    s.batchFailed('socket', timeout, true);
    expect(s.batches('socket')).toBe(true); // suspect only: maybe just slow
    s.singleAnswered();
    expect(s.batches('socket')).toBe(false);
    expect(s.batches('rest')).toBe(true);
    s.connected();
    expect(s.batches('socket')).toBe(true);
  });

  it('a refusal, a disconnect or an answered batch convicts nothing', () => {
    const s = new BatchSupport();
    s.batchFailed('socket', new PigeonError('VALIDATION', 'bad envelope'), false);
    s.singleAnswered();
    expect(s.batches('socket')).toBe(true);
    s.batchFailed('socket', timeout, true);
    s.batchAnswered('socket');
    s.singleAnswered();
    expect(s.batches('socket')).toBe(true);
  });

  it('REST learns from a 404 NOT_FOUND of the whole request at once, and only from that', () => {
    const s = new BatchSupport();
    s.batchFailed('rest', new PigeonError('INTERNAL', 'HTTP 502'), false);
    expect(s.batches('rest')).toBe(true);
    s.batchFailed('rest', new PigeonError('NOT_FOUND', 'no such route'), false);
    expect(s.batches('rest')).toBe(false);
    s.connected();
    expect(s.batches('rest')).toBe(false);
    expect(s.batches('socket')).toBe(true);
  });
});
