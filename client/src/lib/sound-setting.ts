/**
 * "Sound for new messages", kept in this browser (localStorage): off until the user turns it on.
 * Apart from useMessageSound (which plays it) so the first paint's header shows the same icon.
 */
export const SOUND_STORAGE_KEY = 'pigeon:new-message-sound';

export function readSoundSetting(): boolean {
  try {
    return localStorage.getItem(SOUND_STORAGE_KEY) === '1';
  } catch {
    return false; // storage blocked (privacy settings): off
  }
}
