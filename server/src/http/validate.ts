import type { Context } from 'hono';
import { parseOrThrow, PigeonError } from '@pigeon/sync-protocol';
import type { z } from 'zod';

/** The JSON body, validated. Malformed JSON is the client's fault: 400 VALIDATION, never a 500. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new PigeonError('VALIDATION', 'body: malformed JSON');
  }
  return parseOrThrow(schema, body);
}

/** The query string, validated (a repeated key keeps its first value). */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  return parseOrThrow(schema, c.req.query());
}
