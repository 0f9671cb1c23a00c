// Documented error answers: every refusal of both apps leaves in the one error body shape.
import { errorBodySchema } from '../wire/errors.ts';

/** One documented error response per status, each with the shared `{ error: { code, message } }` body. */
export function errorResponses<S extends number>(descriptions: Record<S, string>) {
  const out = {} as Record<
    S,
    { description: string; content: { 'application/json': { schema: typeof errorBodySchema } } }
  >;
  for (const [status, description] of Object.entries(descriptions) as Array<[`${S}`, string]>) {
    out[Number(status) as S] = { description, content: { 'application/json': { schema: errorBodySchema } } };
  }
  return out;
}

/** A JSON success response. */
export function jsonResponse<T>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } };
}
