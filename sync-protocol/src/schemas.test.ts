import { describe, expect, it } from 'vitest';
import { PigeonError } from './errors.ts';
import { historyQuerySchema } from './rest/messages.ts';
import { registerBodySchema } from './rest/auth.ts';
import { sendMessagePayloadSchema } from './events/up.ts';
import { parseOrThrow } from './validate.ts';

const send = (over: Record<string, unknown>) => ({ clientId: 'abcdefgh', to: 'u1', body: 'hi', ...over });

describe('send-message payload', () => {
  it('trims the body and accepts 1..4096 characters', () => {
    expect(parseOrThrow(sendMessagePayloadSchema, send({ body: '  hi  ' })).body).toBe('hi');
    expect(() => parseOrThrow(sendMessagePayloadSchema, send({ body: 'x'.repeat(4096) }))).not.toThrow();
    expect(() => parseOrThrow(sendMessagePayloadSchema, send({ body: 'x'.repeat(4097) }))).toThrow(PigeonError);
    expect(() => parseOrThrow(sendMessagePayloadSchema, send({ body: '   ' }))).toThrow(/body/);
  });

  it('takes clientIds of 8..64 characters of [A-Za-z0-9_-], a UUID included', () => {
    expect(() => parseOrThrow(sendMessagePayloadSchema, send({ clientId: crypto.randomUUID() }))).not.toThrow();
    for (const bad of ['short', 'x'.repeat(65), 'has space!', 42])
      expect(() => parseOrThrow(sendMessagePayloadSchema, send({ clientId: bad }))).toThrow(/clientId/);
  });
});

describe('register body', () => {
  it('lower-cases usernames and enforces the alphabet and lengths', () => {
    expect(parseOrThrow(registerBodySchema, { username: 'Alice', password: 'password1' }).username).toBe('alice');
    expect(() => parseOrThrow(registerBodySchema, { username: 'al', password: 'password1' })).toThrow(PigeonError);
    expect(() => parseOrThrow(registerBodySchema, { username: 'al ice', password: 'password1' })).toThrow(PigeonError);
    expect(() => parseOrThrow(registerBodySchema, { username: 'alice', password: 'short' })).toThrow(/password/);
  });
});

describe('history query', () => {
  it('needs exactly one of with/id and bounds the limit', () => {
    expect(parseOrThrow(historyQuerySchema, { with: 'u1' }).limit).toBe(50);
    expect(() => parseOrThrow(historyQuerySchema, {})).toThrow(PigeonError);
    expect(() => parseOrThrow(historyQuerySchema, { with: 'u1', id: 'dm:a:b' })).toThrow(PigeonError);
    expect(() => parseOrThrow(historyQuerySchema, { with: 'u1', limit: '201' })).toThrow(PigeonError);
    expect(parseOrThrow(historyQuerySchema, { id: 'dm:a:b', limit: '200' }).limit).toBe(200);
  });
});
