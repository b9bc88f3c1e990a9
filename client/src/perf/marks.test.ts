import { afterEach, describe, expect, it, vi } from 'vitest';
import { firstTaskAfter } from './marks.ts';

describe('firstTaskAfter', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('posts a user-blocking task where the browser has scheduler.postTask: ahead of the tasks already queued', async () => {
    const posted: Array<{ priority: string }> = [];
    vi.stubGlobal('scheduler', {
      postTask: (callback: () => void, options: { priority: string }) => {
        posted.push(options);
        return Promise.resolve().then(callback);
      },
    });
    const ran = vi.fn();
    firstTaskAfter(ran);
    expect(ran).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(ran).toHaveBeenCalledTimes(1));
    expect(posted).toEqual([{ priority: 'user-blocking' }]);
  });

  it('elsewhere, a MessageChannel message: a task, not a microtask', async () => {
    vi.stubGlobal('scheduler', undefined);
    const order: string[] = [];
    firstTaskAfter(() => order.push('task'));
    await Promise.resolve();
    order.push('microtask');
    await vi.waitFor(() => expect(order).toEqual(['microtask', 'task']));
  });
});
