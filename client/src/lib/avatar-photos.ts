import type { InjectionKey } from 'vue';

/**
 * Whether UserAvatar loads profile photos (the engine's media cache, else the network). Provided
 * false by the first paint (components/first-paint/), which draws before the session is resumed:
 * its avatars show the ThumbHash, and the live list that replaces it loads the photos.
 */
export const AVATAR_PHOTOS: InjectionKey<boolean> = Symbol('avatar-photos');
