import { describe, expect, it } from 'vitest';
import { clampPan, fitScale, toggleZoom, wheelZoom, zoomIn, zoomLabel, zoomOut } from './zoom.ts';

describe('lightbox zoom', () => {
  const big = { w: 4000, h: 3000 };
  const stage = { w: 1000, h: 800 };

  it('fits a large image, never enlarges a small one', () => {
    expect(fitScale(big, stage)).toBe(0.25);
    expect(fitScale({ w: 100, h: 50 }, stage)).toBe(1);
  });

  it('toggles fit → 100 % → 200 % → fit on double-click', () => {
    expect(toggleZoom('fit', 0.25)).toBe(1);
    expect(toggleZoom(1, 0.25)).toBe(2);
    expect(toggleZoom(2, 0.25)).toBe('fit');
    expect(toggleZoom('fit', 1)).toBe(2); // a small image is at 100 % when fitted
  });

  it('steps in and out, back to fit', () => {
    expect(zoomIn('fit', 0.25)).toBe(1);
    expect(zoomIn(1, 0.25)).toBe(2);
    expect(zoomIn(8, 0.25)).toBe(8);
    expect(zoomOut(2, 0.25)).toBe(1);
    expect(zoomOut(1, 0.25)).toBe('fit');
    expect(zoomOut(1, 1)).toBe('fit');
  });

  it('zooms smoothly with the wheel within fit and 800 %', () => {
    const z = wheelZoom(1, 0.25, -100);
    expect(typeof z === 'number' && z > 1).toBe(true);
    expect(wheelZoom(0.3, 0.25, 1000)).toBe('fit');
    expect(wheelZoom(7.9, 0.25, -10_000)).toBe(8);
  });

  it('keeps the panned image on the stage', () => {
    expect(clampPan({ x: 5000, y: -5000 }, big, stage, 1)).toEqual({ x: 1500, y: -1100 });
    expect(clampPan({ x: 30, y: 30 }, big, stage, 0.25)).toEqual({ x: 0, y: 0 });
  });

  it('labels the zoom', () => {
    expect(zoomLabel('fit')).toBe('Fit');
    expect(zoomLabel(2)).toBe('200 %');
  });
});
