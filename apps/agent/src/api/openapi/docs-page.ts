// The readable form of the OpenAPI document: one self-contained HTML page, no script, nothing fetched.
import type { OpenAPIHono } from '@hono/zod-openapi';

export type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;
type OperationObject = NonNullable<NonNullable<NonNullable<OpenApiDocument['paths']>[string]>['get']>;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const json = (value: unknown) => `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function operation(path: string, method: string, op: OperationObject, secured: boolean): string {
  const keyNeeded = (op.security ?? (secured ? [{}] : [])).length > 0;
  const params = (op.parameters ?? []) as Array<{
    name: string;
    in: string;
    required?: boolean;
    description?: string;
    schema?: unknown;
  }>;
  const body = op.requestBody && 'content' in op.requestBody ? op.requestBody.content : undefined;
  const responses = Object.entries(op.responses ?? {}) as Array<
    [string, { description?: string; content?: Record<string, { schema?: unknown }> }]
  >;
  return `<section id="${escapeHtml(`${method}-${path}`)}">
<h3><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h3>
<p>${escapeHtml(op.summary ?? '')}${keyNeeded ? ' <em>(API key)</em>' : ' <em>(no key)</em>'}</p>
${params.length ? `<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>${params.map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${escapeHtml(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td>${escapeHtml(JSON.stringify(p.schema ?? {}))}</td></tr>`).join('')}</table>` : ''}
${
  body
    ? Object.entries(body)
        .map(
          ([type, media]) =>
            `<details><summary>request body (${escapeHtml(type)})</summary>${json(media.schema ?? {})}</details>`,
        )
        .join('')
    : ''
}
<ul>${responses
    .map(
      ([status, r]) =>
        `<li><strong>${escapeHtml(status)}</strong> ${escapeHtml(r.description ?? '')}${Object.entries(
          r.content ?? {},
        )
          .map(
            ([type, media]) =>
              `<details><summary>${escapeHtml(type)}</summary>${json(media.schema ?? {})}</details>`,
          )
          .join('')}</li>`,
    )
    .join('')}</ul>
</section>`;
}

/** Every operation with its parameters, body and answers; the document itself is one link away. */
export function docsPage(document: OpenApiDocument): string {
  const secured = (document.security ?? []).length > 0;
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const op = item[method];
      return op ? [{ path, method, op }] : [];
    }),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(document.info.title)}</title>
<style>body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}h3{margin-bottom:.2rem}section{border-top:1px solid #ddd;padding:.5rem 0}pre{background:#f6f6f6;padding:.5rem;overflow:auto;font-size:13px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left}</style>
</head><body>
<h1>${escapeHtml(document.info.title)}</h1>
<p>${escapeHtml(document.info.description ?? '')}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${escapeHtml(document.openapi)}).</p>
<nav><ul>${operations.map(({ path, method }) => `<li><a href="#${escapeHtml(`${method}-${path}`)}"><code>${method.toUpperCase()} ${escapeHtml(path)}</code></a></li>`).join('')}</ul></nav>
${operations.map(({ path, method, op }) => operation(path, method, op, secured)).join('\n')}
</body></html>`;
}
