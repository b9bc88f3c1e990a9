export type AuthMode = 'sign-in' | 'sign-up';

export interface AuthCredentials {
  username: string;
  password: string;
  displayName?: string;
}
