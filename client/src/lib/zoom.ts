/**
 * The lightbox's zoom steps, pure: 'fit' shows the whole image in the stage; a number is the scale
 * relative to the image's own pixels (1 = 100 %). Double-click cycles fit → 100 % → 200 % → fit.
 */
import { t } from '../i18n/index.ts';

export type Zoom = 'fit' | number;

export const MAX_SCALE = 8;
const STEPS = [1, 2, 4, MAX_SCALE];

/** The scale that shows the whole image (never enlarging a small one). */
export function fitScale(image: { w: number; h: number }, stage: { w: number; h: number }): number {
  if (!image.w || !image.h || !stage.w || !stage.h) return 1;
  return Math.min(1, stage.w / image.w, stage.h / image.h);
}

export const scaleOf = (zoom: Zoom, fit: number): number => (zoom === 'fit' ? fit : zoom);

/** Double-click / double-tap: fit → 100 % → 200 % → fit (100 % skipped when it is the fit already). */
export function toggleZoom(zoom: Zoom, fit: number): Zoom {
  if (zoom === 'fit') return fit < 1 ? 1 : 2;
  if (zoom < 2) return 2;
  return 'fit';
}

export function zoomIn(zoom: Zoom, fit: number): Zoom {
  const now = scaleOf(zoom, fit);
  return STEPS.find((s) => s > now + 1e-6) ?? MAX_SCALE;
}

export function zoomOut(zoom: Zoom, fit: number): Zoom {
  const now = scaleOf(zoom, fit);
  const lower = [...STEPS].reverse().find((s) => s < now - 1e-6);
  return lower === undefined || lower <= fit ? 'fit' : lower;
}

/** Ctrl+wheel (or a pinch on a touchpad): a smooth factor, kept between the fit and MAX_SCALE. */
export function wheelZoom(zoom: Zoom, fit: number, deltaY: number): Zoom {
  const next = scaleOf(zoom, fit) * Math.exp(-deltaY / 300);
  if (next <= fit) return 'fit';
  return Math.min(MAX_SCALE, next);
}

/** Pan offsets kept so the image never leaves the stage entirely: at most half the overflow each way. */
export function clampPan(pan: { x: number; y: number }, image: { w: number; h: number }, stage: { w: number; h: number }, scale: number): { x: number; y: number } {
  const maxX = Math.max(0, (image.w * scale - stage.w) / 2);
  const maxY = Math.max(0, (image.h * scale - stage.h) / 2);
  return { x: Math.min(maxX, Math.max(-maxX, pan.x)), y: Math.min(maxY, Math.max(-maxY, pan.y)) };
}

/** The zoom as a label: "Fit", "100 %", "250 %". */
export const zoomLabel = (zoom: Zoom): string => (zoom === 'fit' ? t('common.zoom.fit') : `${Math.round(zoom * 100)} %`);
