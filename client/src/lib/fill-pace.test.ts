import { describe, expect, it } from 'vitest';
import { fillPace, growFromBottom } from './fill-pace.ts';

describe('fillPace', () => {
  it('starts with `first` rows, then sizes each task on the last one’s cost per row', () => {
    const pace = fillPace({ budgetMs: 8, first: 4, max: 64 });
    expect(pace.rows()).toBe(4);
    pace.record(12, 4); // 3 ms a row
    expect(pace.rows()).toBe(2);
    pace.record(2, 2); // 1 ms a row once warm
    expect(pace.rows()).toBe(8);
  });

  it('draws one row at least however dear, `max` at most however cheap', () => {
    const pace = fillPace({ budgetMs: 8, first: 4, max: 16 });
    pace.record(100, 1);
    expect(pace.rows()).toBe(1);
    pace.record(0, 10);
    expect(pace.rows()).toBe(16);
  });

  it('draws the rows that fill the view in the first task, within `first` and `firstMax`', () => {
    const pace = fillPace({ budgetMs: 8, first: 4, firstMax: 24, max: 64 });
    expect(pace.rows(() => 15)).toBe(15);
    expect(pace.rows(() => 2)).toBe(4);
    expect(pace.rows(() => 80)).toBe(24);
    // Once a task's cost is known, the view's rows no longer count: the budget sizes the task.
    pace.record(12, 4);
    let asked = false;
    expect(
      pace.rows(() => {
        asked = true;
        return 15;
      }),
    ).toBe(2);
    expect(asked).toBe(false);
  });

  it('ignores a task that added no row', () => {
    const pace = fillPace({ budgetMs: 8, first: 3 });
    pace.record(50, 0);
    expect(pace.rows()).toBe(3);
  });
});

describe('growFromBottom', () => {
  const target = { start: 10, end: 40 };

  it('starts from the newest row when nothing is drawn', () => {
    expect(growFromBottom({ start: 0, end: 0 }, target, 4)).toEqual({ start: 36, end: 40 });
  });

  it('adds at most `rows` rows above the drawn ones, never past the target', () => {
    expect(growFromBottom({ start: 36, end: 40 }, target, 4)).toEqual({ start: 32, end: 40 });
    expect(growFromBottom({ start: 12, end: 40 }, target, 4)).toEqual(target);
  });

  it('adds nothing above with 0 rows, but draws new rows at the bottom at once', () => {
    expect(growFromBottom({ start: 30, end: 38 }, target, 0)).toEqual({ start: 30, end: 40 });
  });

  it('drops rows above the target at once', () => {
    expect(growFromBottom({ start: 2, end: 40 }, target, 4)).toEqual(target);
  });

  it('takes a drawn window that no longer meets the target as nothing drawn', () => {
    expect(growFromBottom({ start: 0, end: 5 }, target, 4)).toEqual({ start: 36, end: 40 });
    expect(growFromBottom({ start: 50, end: 60 }, target, 4)).toEqual({ start: 36, end: 40 });
  });

  it('returns an empty target as it is', () => {
    expect(growFromBottom({ start: 3, end: 9 }, { start: 0, end: 0 }, 4)).toEqual({ start: 0, end: 0 });
  });
});
