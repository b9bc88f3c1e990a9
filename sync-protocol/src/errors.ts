import { z } from 'zod';
import { lazySchema } from './lazy-schema.ts';

/**
 * The closed set of error codes on the wire. HTTP responses carry them as
 * `{ error: { code, message } }`, socket acks as `{ ok: false, code, message }`.
 */
export const ERROR_STATUS = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  USERNAME_TAKEN: 409,
  /** The action no longer applies to the state it meant to change (contract v2). */
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** An upload whose bytes are not what it claims, or could run script (HTML, SVG, XML): extension for attachments. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * The code a bare HTTP status stands for, when a response carries no contract body
 * (a proxy's 502, Hono's own 413): the one reverse of ERROR_STATUS. Where two codes
 * share a status (401) the generic one wins; INVALID_CREDENTIALS is only ever sent
 * with its body. `undefined` for a status outside the table: the caller decides,
 * because a server rendering its own exception and a client judging a reply differ.
 */
const CODE_FOR_STATUS = new Map<number, ErrorCode>(
  (Object.entries(ERROR_STATUS) as [ErrorCode, number][])
    .filter(([code]) => code !== 'INVALID_CREDENTIALS')
    .map(([code, status]) => [status, code]),
);
export const codeForStatus = (status: number): ErrorCode | undefined => CODE_FOR_STATUS.get(status);
export const errorCodeSchema = lazySchema(() =>
  z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
);

export const errorBodySchema = lazySchema(() =>
  z.object({
    error: z.object({ code: errorCodeSchema, message: z.string() }),
  }),
);
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const failedAckSchema = lazySchema(() =>
  z.object({
    ok: z.literal(false),
    code: errorCodeSchema,
    message: z.string(),
  }),
);
export type FailedAck = z.infer<typeof failedAckSchema>;

/** An error as a value: code first, text for humans, optional detail for logs. */
export class PigeonError extends Error {
  override readonly name = 'PigeonError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
  toAck(): FailedAck {
    return { ok: false, code: this.code, message: this.message };
  }
}

export const isPigeonError = (e: unknown): e is PigeonError => e instanceof PigeonError;

/** Errors a client must not retry: the same request would fail the same way. */
export const PERMANENT_SEND_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'VALIDATION',
  'FORBIDDEN',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
]);
