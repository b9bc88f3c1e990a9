import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../i18n/index.ts';
import { describeSystemEvent } from './system-text.ts';

const names: Record<string, string> = { a: 'Ana', b: 'Bo', c: 'Cy' };
const nameOf = (id: string) => names[id] ?? 'Someone';

describe('describeSystemEvent', () => {
  it('names the actor and the members, "You"/"you" for the reader', () => {
    expect(describeSystemEvent({ kind: 'group-created', actorId: 'a', userIds: ['b'], title: 'Trip' }, nameOf, 'b')).toBe('Ana created the group “Trip”');
    expect(describeSystemEvent({ kind: 'members-added', actorId: 'a', userIds: ['b', 'c', 'x'] }, nameOf, 'c')).toBe('Ana added Bo, you and Someone');
    expect(describeSystemEvent({ kind: 'member-removed', actorId: 'a', userIds: ['b'] }, nameOf, 'a')).toBe('You removed Bo');
    expect(describeSystemEvent({ kind: 'member-left', actorId: 'b', userIds: ['b'] }, nameOf, 'a')).toBe('Bo left');
    expect(describeSystemEvent({ kind: 'member-left', actorId: 'b', userIds: ['b'] }, nameOf, 'b')).toBe('You left');
    // Nobody promoted (an admin was left), as the server says it since promotedIds is always sent.
    expect(describeSystemEvent({ kind: 'member-left', actorId: 'b', userIds: ['b'], promotedIds: [] }, nameOf, 'a')).toBe('Bo left');
    expect(describeSystemEvent({ kind: 'member-promoted', actorId: 'a', userIds: ['b'] }, nameOf, 'b')).toBe('Ana made you an admin');
    expect(describeSystemEvent({ kind: 'title-changed', actorId: 'c', title: 'Road trip' }, nameOf, 'a')).toBe('Cy changed the group name to “Road trip”');
    // The last admin went: whom the server promoted, after the change.
    expect(describeSystemEvent({ kind: 'member-left', actorId: 'a', userIds: ['a'], promotedIds: ['b'] }, nameOf, 'c')).toBe('Ana left. Bo is now an admin');
    expect(describeSystemEvent({ kind: 'member-left', actorId: 'a', userIds: ['a'], promotedIds: ['b'] }, nameOf, 'b')).toBe("Ana left. You're now an admin");
  });

  afterEach(() => setLocale('en'));

  it('speaks French, with sentences of their own for "vous" as actor or the only one named', async () => {
    await setLocale('fr');
    expect(describeSystemEvent({ kind: 'group-created', actorId: 'a', userIds: ['b'], title: 'Trip' }, nameOf, 'b')).toBe('Ana a créé le groupe «\u00a0Trip\u00a0»');
    expect(describeSystemEvent({ kind: 'members-added', actorId: 'a', userIds: ['b', 'c', 'x'] }, nameOf, 'c')).toBe('Ana a ajouté Bo, vous et Someone');
    expect(describeSystemEvent({ kind: 'members-added', actorId: 'a', userIds: ['c'] }, nameOf, 'c')).toBe('Ana vous a ajouté');
    expect(describeSystemEvent({ kind: 'member-removed', actorId: 'a', userIds: ['b'] }, nameOf, 'a')).toBe('Vous avez retiré Bo');
    expect(describeSystemEvent({ kind: 'member-left', actorId: 'b', userIds: ['b'] }, nameOf, 'a')).toBe('Bo a quitté le groupe');
    expect(describeSystemEvent({ kind: 'member-left', actorId: 'b', userIds: ['b', 'c'] }, nameOf, 'a')).toBe('Bo et Cy ont quitté le groupe');
    expect(describeSystemEvent({ kind: 'member-left', actorId: 'b', userIds: ['b'] }, nameOf, 'b')).toBe('Vous avez quitté le groupe');
    expect(describeSystemEvent({ kind: 'member-promoted', actorId: 'a', userIds: ['b'] }, nameOf, 'b')).toBe('Ana vous a nommé admin');
    expect(describeSystemEvent({ kind: 'member-left', actorId: 'a', userIds: ['a'], promotedIds: ['b'] }, nameOf, 'c')).toBe('Ana a quitté le groupe. Bo est maintenant admin');
    expect(describeSystemEvent({ kind: 'member-left', actorId: 'a', userIds: ['a'], promotedIds: ['b'] }, nameOf, 'b')).toBe('Ana a quitté le groupe. Vous êtes maintenant admin');
  });
});
