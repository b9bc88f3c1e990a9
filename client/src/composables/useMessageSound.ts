import type { Message } from '@pigeon/sync-protocol';
import type { ConversationView } from '@pigeon/sync-protocol/engine';
import { ref, type Ref } from 'vue';
import { engine } from '../engine.ts';
import { gapOver, isNewForSound, shouldChime } from '../lib/chime-rule.ts';
import { readSoundSetting as readSetting, SOUND_STORAGE_KEY } from '../lib/sound-setting.ts';
import { useEngineEvent } from './useEngineEvent.ts';

export interface UseMessageSoundOptions {
  /** The signed-in user (own messages never play). */
  meId: () => string | null;
  /** The chat open in this window, if any. */
  openChatId: () => string | null;
  /** Shortest time between two sounds (ms). Default 1,500. */
  gapMs?: number;
}

export interface UseMessageSoundReturn {
  /** "Sound for new messages", kept in this browser (localStorage). Off until the user turns it on. */
  enabled: Readonly<Ref<boolean>>;
  /** Turns it on (with a sample: the click also lets the page play sound) or off. */
  setEnabled(on: boolean): void;
}

export { SOUND_STORAGE_KEY } from '../lib/sound-setting.ts';
/** A performance mark each time the sound plays (what e2e tests look for). */
export const SOUND_MARK = 'pigeon:new-message-sound';

let audio: AudioContext | null = null;

/**
 * A short two-note chime made by Web Audio: no file to download or cache. Browsers refuse sound
 * until the page had a user gesture (autoplay policy): then the context stays suspended, and the
 * sound is silently skipped.
 */
function chime(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume().catch(() => {});
    const start = audio.currentTime + 0.01;
    for (const [i, freq] of [880, 1318.5].entries()) {
      const at = start + i * 0.11;
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.18, at + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + 0.18);
    }
    performance.mark(SOUND_MARK);
  } catch (e) {
    console.warn('[sound]', e);
  }
}

/**
 * Plays a sound when a message from someone else arrives (the engine's `message` event) in a
 * chat that is not muted and not open in a focused window (lib/chime-rule.ts decides).
 */
export function useMessageSound(options: UseMessageSoundOptions): UseMessageSoundReturn {
  const { meId, openChatId, gapMs = 1_500 } = options;
  const enabled = ref(readSetting());
  const since = Date.now();
  /** Messages already considered: the same message comes again with each edit or reaction. */
  const seen = new Set<string>();
  let lastPlayedAt: number | null = null;
  /** A chat's settings being read: the messages of one page ask once, not once each (a read transaction each). */
  const reading = new Map<string, Promise<ConversationView | undefined>>();
  const settingsOf = (conversationId: string): Promise<ConversationView | undefined> => {
    let read = reading.get(conversationId);
    if (!read) {
      read = engine.queries
        .conversation(conversationId)
        .catch(() => undefined)
        .finally(() => reading.delete(conversationId));
      reading.set(conversationId, read);
    }
    return read;
  };

  function setEnabled(on: boolean) {
    enabled.value = on;
    try {
      localStorage.setItem(SOUND_STORAGE_KEY, on ? '1' : '0');
    } catch {
      // Not kept across reloads; it still applies now.
    }
    if (on) chime();
  }

  async function onMessage(message: Message) {
    if (!enabled.value || seen.has(message.id)) return;
    if (seen.size > 2_000) seen.clear();
    seen.add(message.id);
    if (!isNewForSound(message, meId(), since) || !gapOver({ lastPlayedAt, now: Date.now(), gapMs })) return;
    const view = await settingsOf(message.conversationId);
    const focused = document.visibilityState === 'visible' && document.hasFocus();
    const context = { meId: meId(), openChatId: openChatId(), focused, muted: view?.conversation.muted === true, since, now: Date.now(), lastPlayedAt, gapMs };
    if (!shouldChime(message, context)) return;
    lastPlayedAt = context.now;
    chime();
  }

  useEngineEvent('message', (m) => void onMessage(m));
  return { enabled, setEnabled };
}
