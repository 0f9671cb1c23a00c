// One route definition does two jobs: it is the OpenAPI entry, and its schemas check what arrives.
import type { OpenAPIHono, RouteConfig } from '@hono/zod-openapi';
import { type ErrorCode, VoicesyncError } from '@voicesync/core';
import type { Context, Env, MiddlewareHandler } from 'hono';
import type { z } from 'zod';

type Part<R, K extends string> = R extends { request: { [P in K]: infer S extends z.ZodType } }
  ? z.output<S>
  : undefined;
type JsonBody<R> = R extends {
  request: { body: { content: { 'application/json': { schema: infer S extends z.ZodType } } } };
}
  ? z.output<S>
  : undefined;

/** What a route's schemas accepted: path parameters, query string and JSON body. */
export interface RouteInput<R> {
  params: Part<R, 'params'>;
  query: Part<R, 'query'>;
  body: JsonBody<R>;
}

/** How an app reads and refuses input: the error code of each part, and its JSON body reader. */
export interface InputRules {
  codes: { params: ErrorCode; query: ErrorCode; body: ErrorCode };
  /** Reads the body as a JSON value (size cap, content type, malformed JSON are the reader's errors). */
  readJson(c: Context): Promise<unknown>;
}

/** The first issue as a VoicesyncError: `path: message`, with the path in `details`. */
export function issueError(code: ErrorCode, error: z.ZodError): VoicesyncError {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  const message = issue?.message ?? 'invalid';
  return new VoicesyncError(code, path ? `${path}: ${message}` : message, { details: { path } });
}

function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: ErrorCode,
  fast?: (value: unknown) => unknown,
): z.output<S> {
  // A fast path must accept only what the schema accepts, with the same value (a property test
  // beside it proves that); the schema then runs only for what it did not take, to word the refusal.
  const taken = fast?.(value);
  if (taken !== undefined) return taken as z.output<S>;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw issueError(code, parsed.error);
  return parsed.data;
}

/**
 * A `route` function for one app: registers each route's definition in the app's OpenAPI registry
 * and serves it through the route's own middleware, then the checks of its params, query and body
 * (in that order, each refused with the app's error code), then `handler` with what they accepted.
 * The library's own validators are not used: they would read bodies through a web stream and
 * answer in their own error shape.
 *
 * @example
 * const route = openRoutes({ codes, readJson });
 * route(app, createRoute({ method: 'get', path: '/x', responses }), (c, input) => c.json({}));
 */
export function openRoutes(rules: InputRules) {
  return function route<E extends Env, R extends RouteConfig>(
    app: OpenAPIHono<E>,
    definition: R,
    handler: (c: Context<E>, input: RouteInput<R>) => Response | Promise<Response>,
    options: Partial<InputRules['codes']> & {
      readJson?: InputRules['readJson'];
      /** Accepts exactly what the body schema accepts (same value) or answers undefined. */
      fastBody?: (value: unknown) => JsonBody<R> | undefined;
    } = {},
  ): void {
    const { middleware, ...documented } = definition;
    app.openAPIRegistry.registerPath(documented as RouteConfig);
    const { readJson = rules.readJson, fastBody, ...codeOverrides } = options;
    const codes = { ...rules.codes, ...codeOverrides };
    const { params, query, body } = definition.request ?? {};
    const media = body?.content['application/json'];
    const bodySchema = media && 'schema' in media ? (media.schema as z.ZodType) : undefined;
    const serve: MiddlewareHandler<E> = async (c) => {
      const input = {
        params: params ? check(params, c.req.param(), codes.params) : undefined,
        query: query ? check(query, c.req.query(), codes.query) : undefined,
        body: bodySchema ? check(bodySchema, await readJson(c), codes.body, fastBody) : undefined,
      } as RouteInput<R>;
      return handler(c, input);
    };
    const before = (middleware === undefined ? [] : [middleware].flat()) as MiddlewareHandler<E>[];
    const path = definition.path.replaceAll(/\{([^}]+)\}/g, ':$1');
    app.on([definition.method.toUpperCase()], [path], ...before, serve);
  };
}
