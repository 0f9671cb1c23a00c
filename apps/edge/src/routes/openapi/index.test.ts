import { describe, expect, it } from 'vitest';
import { openApi31Problems, undocumentedRoutes } from '../../../../../test/contract/contract.ts';
import { app } from '../../app.ts';
import type { Env } from '../../env.ts';

const env = {} as Env;

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document naming every route of the app', async () => {
    const response = await app.request('/openapi.json', {}, env);
    expect(response.status).toBe(200);
    const document = await response.json();
    expect(await openApi31Problems(document)).toBe('');
    expect(undocumentedRoutes(app.routes, document, /^$/)).toEqual([]);
  });

  it('documents each device route with the device token, each admin route with the admin token', async () => {
    const document = (await (await app.request('/openapi.json', {}, env)).json()) as {
      paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>;
    };
    const schemes = (path: string, method: string) =>
      (document.paths[path]?.[method]?.security ?? []).flatMap((s) => Object.keys(s));
    for (const [path, method] of [
      ['/v1/push', 'post'],
      ['/v1/pull', 'get'],
      ['/v1/device', 'get'],
      ['/v1/notify', 'get'],
    ] as const)
      expect(schemes(path, method), path).toEqual(['deviceToken']);
    for (const path of Object.keys(document.paths).filter((p) => p.startsWith('/v1/admin/')))
      for (const method of Object.keys(document.paths[path] ?? {}))
        expect(schemes(path, method), path).toEqual(['adminToken']);
  });
});
