import { afterEach, describe, expect, it } from 'vitest';
import { setLocale } from '../i18n/index.ts';
import { describeError, groupChangeFailureReason, sendFailureReason } from './errors.ts';

const coded = (code: string, message = 'username: Invalid string: must match pattern /^[a-z0-9_.-]+$/') => Object.assign(new Error(message), { code });

afterEach(() => setLocale('en'));

describe('describeError', () => {
  it('maps codes to sentences, never the server’s own text', () => {
    expect(describeError(coded('INVALID_CREDENTIALS'))).toBe('Wrong username or password.');
    expect(describeError(coded('VALIDATION'))).toBe('Something in the request was not accepted.');
    expect(describeError(coded('SOMETHING_NEW'), 'Could not sign in.')).toBe('Could not sign in.');
    expect(describeError(Object.assign(new Error('x'), { details: { network: true } }))).toBe("Can't reach the server. Check your connection.");
  });
  it('speaks French', async () => {
    await setLocale('fr');
    expect(describeError(coded('USERNAME_TAKEN'))).toBe('Ce nom d’utilisateur est déjà pris.');
    expect(sendFailureReason({ code: 'PAYLOAD_TOO_LARGE', message: 'x' }, false)).toBe('Le message est trop long.');
    expect(groupChangeFailureReason({ code: 'CONFLICT', message: 'x' })).toBe('Cette modification ne s’applique plus.');
  });
});
