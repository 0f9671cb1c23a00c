// The agent's route definer and the error answers its routes share, for the document and for validation.
import { errorResponses, openRoutes } from '@voicesync/schema/openapi';
import { z } from 'zod';
import { readJson } from '../request/index.ts';

/** Defines an agent route: documented, and its input checked with the agent's error codes. */
export const route = openRoutes({
  codes: { params: 'invalid_speaker_id', query: 'invalid_query', body: 'invalid_body' },
  readJson,
});

const refusals = errorResponses({
  401: 'unauthorized: no API key, or not this agent’s (WWW-Authenticate names the realm); a browser’s GET (Accept: text/html) gets the sign-in page',
  403: 'forbidden: a request from a web page of another origin, or a Host name that is not this agent’s',
});

/** Every route behind the API key; the guard's 403 applies to every route. */
export const guarded = {
  401: {
    ...refusals[401],
    content: { ...refusals[401].content, 'text/html': { schema: z.string() } },
  },
  403: refusals[403],
};

/** Answers of a route that reads a JSON body. */
export const bodyErrors = errorResponses({
  400: 'invalid_json, invalid_body (with `path`), or an embedding refused: invalid_embedding, dimension_mismatch, non_finite, zero_norm',
  413: 'payload_too_large: the body is over 4 MiB',
  415: 'unsupported_media_type: a content type other than application/json',
});

/** Answers of a route that writes the local database; nothing was written. */
export const storageErrors = errorResponses({
  503: 'storage_busy or storage_unavailable: the local database cannot be written now (Retry-After)',
  507: 'storage_full: the local database is full',
});

/** A required JSON request body. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return { required: true, content: { 'application/json': { schema } } } as const;
}
