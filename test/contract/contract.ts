// Checks live answers against an OpenAPI document: each status must be documented for its operation,
// each body must match the documented schema (objects closed: an undocumented field is drift), and
// every documented operation and answer must have been seen.
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { request as httpRequest } from 'node:http';
import { Agent, fetch as undiciFetch } from 'undici';
import { expect } from 'vitest';

// Idle sockets are dropped by this side after 0.5 s: a kept-alive socket that sat idle while a slow
// check ran (the document's validation under load) was closed by the server just as the next
// request went out on it ("other side closed"). Within a burst of calls sockets are still reused.
const shortKeepAlive = new Agent({ keepAliveTimeout: 500, keepAliveMaxTimeout: 500 });

/** fetch that never reuses a socket idle for more than 0.5 s (see above). */
export async function freshFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return (await undiciFetch(url, { ...init, dispatcher: shortKeepAlive } as never)) as unknown as Response;
}

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are walked as plain JSON
type Json = any;
export type OpenApiDocument = Json;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every object schema that lists its properties and says nothing else is closed to others. */
function closeObjects(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    // `properties` maps names to schemas: recurse into each value, never treat the map itself as a schema.
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, closeObjects(v)]))
        : closeObjects(value);
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads the fields it asserts on
  body: any;
}

export class Contract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly templates: Array<{ template: string; pattern: RegExp }>;
  readonly seen = new Set<string>();

  constructor(
    readonly name: string,
    readonly document: OpenApiDocument,
    readonly baseUrl: string,
  ) {
    addFormats.default(this.ajv);
    this.ajv.addSchema({ $id: 'doc', components: closeObjects(document.components ?? {}) });
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  /** Every documented `METHOD /template STATUS`. */
  documented(): string[] {
    return Object.entries(this.document.paths).flatMap(([template, item]: [string, Json]) =>
      METHODS.filter((m) => item[m]).flatMap((m) =>
        Object.keys(item[m].responses).map((status) => `${m.toUpperCase()} ${template} ${status}`),
      ),
    );
  }

  operations(): string[] {
    return [...new Set(this.documented().map((entry) => entry.replace(/ \d+$/, '')))];
  }

  private operation(method: string, path: string): { key: string; op: Json } {
    const template = this.templates.find((t) => t.pattern.test(path.split('?')[0] ?? ''))?.template;
    const op = template ? this.document.paths[template][method.toLowerCase()] : undefined;
    if (!template || !op) throw new Error(`${this.name}: ${method} ${path} is not in the document`);
    return { key: `${method.toUpperCase()} ${template}`, op };
  }

  /** Calls the live app, checks status `expected` and the body against the document, and records it. */
  async call(method: string, path: string, expected: number, init: RequestInit = {}): Promise<Answer> {
    const response = await freshFetch(`${this.baseUrl}${path}`, { method, redirect: 'manual', ...init });
    const text = await response.text();
    return this.check(method, path, expected, { status: response.status, headers: response.headers, text });
  }

  /** Checks an answer got by other means (a raw request) as `call` does. */
  check(
    method: string,
    path: string,
    expected: number,
    answer: { status: number; headers: Headers; text: string },
  ): Answer {
    const { key, op } = this.operation(method, path);
    const { status, headers, text } = answer;
    expect({ call: `${method} ${path}`, status, text: text.slice(0, 300) }).toMatchObject({
      status: expected,
    });
    const documented = op.responses[String(status)];
    expect(documented, `${this.name}: ${key} answered ${status}, not documented`).toBeDefined();
    const type = headers.get('content-type') ?? '';
    const media = Object.keys(documented.content ?? {});
    let body: unknown = text;
    if (media.length > 0) {
      const match = media.find((m) => type.startsWith(m));
      expect(match, `${key} ${status}: content type ${type}, documented ${media}`).toBeDefined();
      if (match === 'application/json') {
        body = JSON.parse(text);
        const schema = closeObjects(documented.content[match].schema);
        const refs = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'));
        const validate = this.ajv.compile(refs);
        expect(validate(body) ? [] : validate.errors, `${key} ${status} body`).toEqual([]);
      }
    }
    this.seen.add(`${key} ${status}`);
    return { status, headers, body };
  }

  /** Documented answers never seen, except those matching `exempt` (`* 429`, `POST /v1/push 503`). */
  unseen(exempt: Record<string, string>): string[] {
    const patterns = Object.keys(exempt).map(
      (p) => new RegExp(`^${p.replaceAll('*', '.*').replaceAll('{', '\\{').replaceAll('}', '\\}')}$`),
    );
    return this.documented().filter(
      (entry) => !this.seen.has(entry) && !patterns.some((pattern) => pattern.test(entry)),
    );
  }
}

/** `{ method, path }` routes of a Hono app that no operation of the document names. */
export function undocumentedRoutes(
  routes: ReadonlyArray<{ method: string; path: string }>,
  document: OpenApiDocument,
  ignore: RegExp,
): string[] {
  const documented = new Set(
    Object.entries(document.paths).flatMap(([template, item]: [string, Json]) =>
      METHODS.filter((m) => item[m]).map(
        (m) => `${m.toUpperCase()} ${template.replace(/\{([^}]+)\}/g, ':$1')}`,
      ),
    ),
  );
  return [
    ...new Set(
      routes
        .filter((r) => r.method !== 'ALL' && !ignore.test(r.path))
        .map((r) => `${r.method} ${r.path}`)
        .filter((route) => !documented.has(route)),
    ),
  ];
}

/** What an independent validator finds wrong with `document` as OpenAPI 3.1 ('' when nothing). */
export async function openApi31Problems(document: OpenApiDocument): Promise<string> {
  const { compileErrors, validate } = await import('@readme/openapi-parser');
  if (!String(document.openapi).startsWith('3.1.')) return `openapi is ${document.openapi}, not 3.1.x`;
  const result = await validate(structuredClone(document));
  return result.valid ? '' : compileErrors(result);
}

interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * A request fetch cannot make: WebSocket handshake headers, or a declared length whose body is
 * never sent (workerd answers 413 from the header and resets a connection still uploading), a Host
 * header (fetch sends its own).
 */
export function raw(method: string, url: string, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: toHeaders(res.headers), text });
        req.destroy();
      });
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: toHeaders(res.headers), text: '' });
    });
    req.on('error', reject);
    if (headers['content-length'] === undefined) req.end();
    else req.flushHeaders();
  });
}

function toHeaders(incoming: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming))
    if (typeof value === 'string') headers.set(name, value);
  return headers;
}
