// Validation of profile writes arriving over the agent API: clear errors, nothing written on failure.
import { base64ToBytes, bytesToFloat32, PRIORITIES, Priority, VoicesyncError } from '@voicesync/core';
import { acousticFeaturesSchema, MAX_INT32, speakerIdSchema, storableText } from '@voicesync/schema';
import { z } from 'zod';

export const priorityInputSchema = z.enum(PRIORITIES);

/** A speaker id in a JSON body (same rule as in paths). */
export const speakerIdInput = speakerIdSchema;

export const profileInputSchema = z
  .object({
    name: storableText().trim().min(1, 'name is required').max(200),
    embedding: z.array(z.number()).optional(),
    embeddingB64: z.string().optional(),
    acousticFeatures: acousticFeaturesSchema()
      .refine((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
        message: 'acousticFeatures must be an object',
      })
      .nullable()
      .optional(),
    totalSamples: z.number().int().min(1).max(MAX_INT32).optional(),
    priority: priorityInputSchema.optional(),
  })
  .strict();

export type ProfileInput = z.infer<typeof profileInputSchema>;

export function parsePriority(name: string | undefined, fallback: Priority = Priority.NORMAL): Priority {
  return name === undefined ? fallback : Priority[name as keyof typeof Priority];
}

/**
 * One embedding from either `embedding` (numbers) or `embeddingB64` (little-endian float32):
 * exactly `dim` finite values with a non-zero norm.
 */
export function parseEmbedding(
  input: { embedding?: number[] | undefined; embeddingB64?: string | undefined },
  dim: number,
): Float32Array {
  if (input.embedding !== undefined && input.embeddingB64 !== undefined) {
    throw new VoicesyncError('invalid_embedding', 'give either embedding or embeddingB64, not both');
  }
  let vector: Float32Array;
  if (input.embedding !== undefined) vector = Float32Array.from(input.embedding);
  else if (input.embeddingB64 !== undefined) {
    try {
      vector = bytesToFloat32(base64ToBytes(input.embeddingB64));
    } catch (cause) {
      throw new VoicesyncError('invalid_embedding', 'embeddingB64 is not base64 of float32 values', {
        cause,
      });
    }
  } else throw new VoicesyncError('invalid_embedding', 'embedding is required');
  return checkEmbedding(vector, dim);
}

export function checkEmbedding(vector: Float32Array, dim: number): Float32Array {
  if (vector.length !== dim) {
    throw new VoicesyncError(
      'dimension_mismatch',
      `embedding must have ${dim} values, got ${vector.length}`,
      {
        details: { expected: dim, actual: vector.length },
      },
    );
  }
  let norm = 0;
  for (const value of vector) {
    if (!Number.isFinite(value))
      throw new VoicesyncError('non_finite', 'embedding values must be finite numbers');
    norm += value * value;
  }
  if (norm === 0) throw new VoicesyncError('zero_norm', 'embedding must not be all zeros');
  return vector;
}
