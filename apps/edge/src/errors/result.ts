// Relay RPC results: failures travel as plain objects because a thrown error loses its code across RPC.
import { type ErrorCode, isErrorCode, VoicesyncError } from '@voicesync/core';
import { asVoicesyncError, statusOf } from './codes.ts';

export interface RelayFailure {
  ok: false;
  status: number;
  /** An `ErrorCode`; read with `failureCode`, since the value crossed the RPC boundary as plain data. */
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type RelayResult<T> = { ok: true; value: T } | RelayFailure;

/** Runs `work` and wraps its value, or the error it throws, as a result object. */
export async function settle<T>(work: () => Promise<T>): Promise<RelayResult<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (thrown) {
    const error = asVoicesyncError(thrown);
    const failure: RelayFailure = {
      ok: false,
      status: statusOf(error.code),
      code: error.code,
      message: error.message,
    };
    if (error.details) failure.details = error.details;
    return failure;
  }
}

/** The value of a successful result; a failure is rethrown as the VoicesyncError it was. */
export function unwrap<T>(result: RelayResult<T>): T {
  if (result.ok) return result.value;
  throw new VoicesyncError(
    failureCode(result),
    result.message,
    result.details === undefined ? undefined : { details: result.details },
  );
}

/** The failure's code as one of the `ErrorCode` list; anything else is a bug on the other side. */
export function failureCode(failure: RelayFailure): ErrorCode {
  return isErrorCode(failure.code) ? failure.code : 'internal';
}
