// The one error shape every HTTP answer of voicesync uses.
import { z } from 'zod';

export const errorBodySchema = z.object({
  error: z
    .object({
      code: z.string(),
      message: z.string(),
    })
    .catchall(z.unknown()),
});

export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Error code of a push whose first new mutation id is not last_mutation_id + 1. */
export const MUTATION_GAP = 'mutation_gap';
