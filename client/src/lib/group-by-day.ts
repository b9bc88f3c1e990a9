import { dayKey, formatDayLabel } from './format.ts';

export interface DayGroup<T> {
  key: string;
  label: string;
  items: T[];
}

/** Splits a chronological list into runs of the same local calendar day. */
export function groupByDay<T extends { createdAt: string }>(items: readonly T[], now = new Date()): DayGroup<T>[] {
  const groups: DayGroup<T>[] = [];
  for (const item of items) {
    const date = new Date(item.createdAt);
    const key = dayKey(date);
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.items.push(item);
    else groups.push({ key, label: formatDayLabel(date, now), items: [item] });
  }
  return groups;
}
