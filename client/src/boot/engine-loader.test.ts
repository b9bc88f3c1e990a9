import { describe, expect, it } from 'vitest';
import { mayHaveSession } from './engine-loader.ts';

const factory = (databases: (() => Promise<IDBDatabaseInfo[]>) | undefined) => ({ databases }) as unknown as IDBFactory;

describe('mayHaveSession', () => {
  it('is false only when the browser lists no pigeon database', async () => {
    expect(await mayHaveSession(factory(async () => []))).toBe(false);
    expect(await mayHaveSession(factory(async () => [{ name: 'other', version: 1 }]))).toBe(false);
    expect(await mayHaveSession(factory(async () => [{ name: 'pigeon', version: 70 }]))).toBe(true);
  });

  it('leaves the decision to the engine when it cannot tell', async () => {
    expect(await mayHaveSession(undefined)).toBe(true);
    expect(await mayHaveSession(factory(undefined))).toBe(true);
    expect(
      await mayHaveSession(
        factory(async () => {
          throw new Error('blocked');
        }),
      ),
    ).toBe(true);
  });
});
