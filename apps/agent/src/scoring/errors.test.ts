import { isErrorCode, VoicesyncError } from '@voicesync/core';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { errorResponse } from '../api/errors.ts';
import { ScoringError } from './errors.ts';

function answer(thrown: unknown): Promise<Response> {
  const app = new Hono();
  app.get('/', () => {
    throw thrown;
  });
  app.onError((error, c) => errorResponse(error, c));
  return Promise.resolve(app.request('/'));
}

describe('one error type', () => {
  it('a ScoringError is a VoicesyncError whose code is in the shared list', () => {
    const error = new ScoringError('dimension_mismatch', 'expected 192 values, got 3');
    expect(error).toBeInstanceOf(VoicesyncError);
    expect(error.name).toBe('ScoringError');
    expect(isErrorCode(error.code)).toBe(true);
  });

  it('the API maps scoring, storage and unknown failures through the one type', async () => {
    const scoring = await answer(new ScoringError('backend_unavailable', 'no engine'));
    expect(scoring.status).toBe(503);
    expect(await scoring.json()).toEqual({ error: { code: 'backend_unavailable', message: 'no engine' } });
    const busy = await answer(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(((await busy.json()) as { error: { code: string } }).error.code).toBe('storage_busy');
    const full = await answer(Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' }));
    expect(full.status).toBe(507);
    const bug = await answer(new TypeError('x is undefined'));
    expect(bug.status).toBe(500);
    expect(await bug.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });
});
