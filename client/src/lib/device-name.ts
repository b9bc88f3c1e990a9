/**
 * A readable name for a signed-in device from its User-Agent ("Chrome on Android"), for the
 * Devices view. Pure and deliberately small: a few patterns in a fixed order (the order
 * matters: Edge and Opera say "Chrome" too, Chrome says "Safari", iPad says "Mobile"). It only
 * has to tell the user's own devices apart, not identify every browser; anything it does not
 * know falls back to the part it does know ("Browser on Linux") or to "Unknown device".
 */

import { t } from '../i18n/index.ts';

export type DeviceKind = 'phone' | 'tablet' | 'desktop';

export interface DeviceDescription {
  /** e.g. "Chrome on Android", "Safari on iPhone", "Firefox on Windows". */
  name: string;
  /** For the icon: what kind of device it most likely is. */
  kind: DeviceKind;
}

/** The words around the names, in the UI's language (read when called, so a language switch applies). */
export const DEVICE_TEXT = {
  on: (browser: string, os: string) => t('common.device.on', { browser, os }),
  get browser() {
    return t('common.device.browser');
  },
  get unknown() {
    return t('common.device.unknown');
  },
};

/** [pattern, browser], first match wins. */
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera|OPiOS)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\b(Chrome|CriOS|HeadlessChrome|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
];

/** [pattern, system, kind], first match wins. */
const SYSTEMS: [RegExp, string, DeviceKind][] = [
  [/\biPad\b/, 'iPad', 'tablet'],
  [/\biPhone\b|\biPod\b/, 'iPhone', 'phone'],
  [/\bAndroid\b(?=.*\bMobile\b)/, 'Android', 'phone'],
  [/\bAndroid\b/, 'Android', 'tablet'],
  [/\bCrOS\b/, 'ChromeOS', 'desktop'],
  [/\bWindows\b/, 'Windows', 'desktop'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS', 'desktop'],
  [/\bLinux\b|\bX11\b/, 'Linux', 'desktop'],
];

export function describeDevice(userAgent: string): DeviceDescription {
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent));
  if (!system) return { name: browser ?? DEVICE_TEXT.unknown, kind: 'desktop' };
  const [, os, kind] = system;
  return { name: DEVICE_TEXT.on(browser ?? DEVICE_TEXT.browser, os), kind };
}
