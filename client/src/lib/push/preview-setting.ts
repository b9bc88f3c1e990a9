/**
 * "Show message text in notifications", kept per device (the server gets it with the
 * subscription: `preview`). On by default, as the contract's default is.
 */
const KEY = 'pigeon:push-preview';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function readPreview(storage: KeyValueStore | null): boolean {
  try {
    return storage?.getItem(KEY) !== 'off';
  } catch {
    return true;
  }
}

export function writePreview(storage: KeyValueStore | null, preview: boolean): void {
  try {
    storage?.setItem(KEY, preview ? 'on' : 'off');
  } catch {
    // Storage full or blocked: the server still has the value until the next change.
  }
}
