// Sends enrolment samples to POST /v1/profiles/:id/samples in batches; shared by `enroll` and `import`.
import { VoicesyncError } from '@voicesync/core';
import { type ApiTarget, requestJson } from '../http-client/index.ts';

export interface EnrolmentResult {
  speakerId: string;
  version: number;
  totalSamples: number;
}

export interface EnrolmentOptions {
  name?: string | undefined;
  priority?: string | undefined;
  batch: number;
  /** Called after each batch with how many of this speaker's samples were sent. */
  onBatch?: (sent: number) => void;
}

/** `--batch`: embeddings per request, within the route's limit of 1000. */
export function parseBatch(flag: string): number {
  const batch = Number(flag);
  if (!Number.isInteger(batch) || batch < 1 || batch > 1000) {
    throw new VoicesyncError('invalid_usage', '--batch must be an integer from 1 to 1000');
  }
  return batch;
}

/** A later batch failed: the earlier ones stay enrolled, and the message says how many samples that is. */
function partialEnrolment(
  error: unknown,
  speakerId: string,
  progress: { sent: number; total: number; batch: number },
): VoicesyncError {
  const { sent, total, batch } = progress;
  const which = `batch ${sent / batch + 1} of ${Math.ceil(total / batch)}`;
  const known = error instanceof VoicesyncError ? error : undefined;
  const failed = known?.code === 'remote_error' ? `the agent refused ${which}` : `${which} failed`;
  return new VoicesyncError(
    known?.code ?? 'enrol_failed',
    `enrolled ${sent} of ${total} samples of ${speakerId}, which stay enrolled, before ${failed}: ${(error as Error).message}`,
    { cause: error, ...(known?.details ? { details: known.details } : {}) },
  );
}

/**
 * Each batch updates the centroid incrementally, so the batches add up to one enrolment of every
 * sample; a failure part-way leaves the batches already sent enrolled, and its error says so.
 *
 * @example
 * const result = await postSamples(agent, 'alice', embeddings, { name: 'Alice', batch: 100 });
 */
export async function postSamples(
  agent: ApiTarget,
  speakerId: string,
  embeddings: number[][],
  options: EnrolmentOptions,
): Promise<EnrolmentResult> {
  const path = `/v1/profiles/${encodeURIComponent(speakerId)}/samples`;
  let result: EnrolmentResult | undefined;
  for (let start = 0; start < embeddings.length; start += options.batch) {
    try {
      result = await requestJson<EnrolmentResult>(agent, path, {
        method: 'POST',
        body: {
          ...(options.name === undefined ? {} : { name: options.name }),
          ...(options.priority === undefined ? {} : { priority: options.priority }),
          embeddings: embeddings.slice(start, start + options.batch),
        },
      });
    } catch (error) {
      if (start === 0) throw error;
      throw partialEnrolment(error, speakerId, {
        sent: start,
        total: embeddings.length,
        batch: options.batch,
      });
    }
    options.onBatch?.(Math.min(start + options.batch, embeddings.length));
  }
  if (!result) throw new VoicesyncError('invalid_usage', `no samples to enrol for ${speakerId}`);
  return result;
}
