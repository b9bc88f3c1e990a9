import { effectScope, nextTick, ref } from 'vue';
import { describe, expect, it } from 'vitest';
import { useAppBadge } from './useAppBadge.ts';
import { useUnreadTitle } from './useUnreadTitle.ts';

/** A navigator with the Badging API that records its calls (0 = clearAppBadge). */
function badgingNavigator(fail?: 'reject' | 'throw') {
  const calls: number[] = [];
  const answer = () => {
    if (fail === 'throw') throw new Error('not installed');
    return fail === 'reject' ? Promise.reject(new Error('not allowed')) : Promise.resolve();
  };
  return {
    calls,
    navigator: {
      setAppBadge: (n?: number) => (calls.push(n ?? -1), answer()),
      clearAppBadge: () => (calls.push(0), answer()),
    },
  };
}

describe('useAppBadge', () => {
  it('sets the count, clears it at 0, and clears it when the scope ends (sign-out)', async () => {
    const { calls, navigator } = badgingNavigator();
    const count = ref(0);
    const scope = effectScope();
    scope.run(() => useAppBadge(() => count.value, { navigator }));
    count.value = 3;
    await nextTick();
    count.value = 0;
    await nextTick();
    count.value = 5;
    await nextTick();
    scope.stop();
    expect(calls).toEqual([0, 3, 0, 5, 0]);
  });

  it('ignores refusals, thrown or rejected, and browsers without the API', async () => {
    for (const fail of ['reject', 'throw'] as const) {
      const { calls, navigator } = badgingNavigator(fail);
      const count = ref(2);
      const scope = effectScope();
      expect(() => scope.run(() => useAppBadge(() => count.value, { navigator }))).not.toThrow();
      count.value = 4;
      await nextTick();
      scope.stop();
      expect(calls).toEqual([2, 4, 0]);
    }
    const scope = effectScope();
    expect(() => scope.run(() => useAppBadge(() => 1, { navigator: {} }))).not.toThrow();
    scope.stop();
  });
});

describe('useUnreadTitle', () => {
  it('follows the count and goes back to the plain name when the scope ends', async () => {
    const doc = { title: 'Pigeon' };
    const count = ref(2);
    const scope = effectScope();
    scope.run(() => useUnreadTitle(() => count.value, { document: doc }));
    expect(doc.title).toBe('(2) Pigeon');
    count.value = 0;
    await nextTick();
    expect(doc.title).toBe('Pigeon');
    count.value = 150;
    await nextTick();
    expect(doc.title).toBe('(99+) Pigeon');
    scope.stop();
    expect(doc.title).toBe('Pigeon');
  });
});
