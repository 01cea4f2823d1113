/**
 * The API reference served at `GET /docs`: one self-contained HTML page rendered from the OpenAPI
 * document (no script, no CDN; schemas shown as JSON with links between them).
 */

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: unknown;
}

interface Operation {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  security: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; description: string; content: Record<string, { schema: unknown }> };
  responses: Record<string, ResponseObject | { $ref: string }>;
}

interface ResponseObject {
  description: string;
  content?: Record<string, { schema: unknown }>;
}

interface Document {
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, ResponseObject> };
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Escaped text with `code` spans and paragraphs, the only markdown the descriptions use. */
const prose = (text: string) =>
  text
    .split('\n\n')
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/`([^`]+)`/g, '<code>$1</code>')}</p>`)
    .join('');

const schemaRef = (ref: string) => ref.replace(/^#\/components\/\w+\//, '');

/** A schema as indented JSON, `$ref`s turned into links to the component. */
function schemaHtml(schema: unknown): string {
  const json = escapeHtml(JSON.stringify(schema, null, 2));
  return `<pre>${json.replace(
    /&#34;\$ref&#34;: &#34;#\/components\/schemas\/(\w+)&#34;/g,
    (_, name: string) => `&#34;$ref&#34;: <a href="#schema-${name}">${name}</a>`,
  )}</pre>`;
}

function contentHtml(content: Record<string, { schema: unknown }> | undefined): string {
  return Object.entries(content ?? {})
    .map(([type, { schema }]) => {
      const ref = (schema as { $ref?: string }).$ref;
      const shown = ref ? `<a href="#schema-${schemaRef(ref)}">${schemaRef(ref)}</a>` : schemaHtml(schema);
      return `<div class="content"><code>${escapeHtml(type)}</code> ${shown}</div>`;
    })
    .join('');
}

function operationHtml(doc: Document, method: string, path: string, op: Operation): string {
  const scopes = op.security.flatMap((requirement) => Object.values(requirement).flat());
  const parameters = op.parameters?.length
    ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th></th></tr>${op.parameters
        .map(
          (p) =>
            `<tr><td><code>${escapeHtml(p.name)}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${escapeHtml(JSON.stringify(p.schema))}</code></td><td>${escapeHtml(p.description ?? (p.schema as { description?: string }).description ?? '')}</td></tr>`,
        )
        .join('')}</table>`
    : '';
  const body = op.requestBody
    ? `<h4>Body${op.requestBody.required ? '' : ' (optional)'}</h4>${prose(op.requestBody.description)}${contentHtml(op.requestBody.content)}`
    : '';
  const responses = Object.entries(op.responses)
    .map(([status, response]) => {
      const r = '$ref' in response ? doc.components.responses[schemaRef(response.$ref)] : response;
      return r ? ([status, r] as const) : null;
    })
    .filter((entry) => entry !== null)
    .map(
      ([status, r]) =>
        `<tr><td><b>${status}</b></td><td>${prose(r.description)}</td><td>${contentHtml(r.content)}</td></tr>`,
    )
    .join('');
  return `<section class="op" id="${op.operationId}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code> ${escapeHtml(op.summary)}</h3>
<p class="scope">${scopes.length ? `Scope <code>${scopes.map(escapeHtml).join(' ')}</code>` : 'Open: no token needed'}</p>
${prose(op.description)}${parameters}${body}<h4>Responses</h4><table>${responses}</table></section>`;
}

/** The page's only style sheet, inline (the page's CSP allows exactly this text by its hash). */
export const REFERENCE_CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1a1a1a}
nav{width:18rem;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f4f5f7;padding:1rem;box-sizing:border-box}
nav ul{list-style:none;padding:0;margin:0}nav li{margin:.2rem 0}nav a{color:inherit;text-decoration:none;font-size:13px}
main{padding:1rem 2rem;max-width:60rem;min-width:0}
.op{border-top:1px solid #ddd;padding-top:.5rem;margin-top:1.5rem}
.method{display:inline-block;min-width:3.6rem;text-align:center;border-radius:3px;color:#fff;font-size:12px;font-weight:600;padding:0 .3rem}
.get{background:#1f6feb}.post{background:#1a7f37}.put{background:#9a6700}.delete{background:#cf222e}
.scope{color:#555;font-size:13px}
table{border-collapse:collapse;width:100%;font-size:13px}td,th{border:1px solid #ddd;padding:.3rem;vertical-align:top;text-align:left}
td p{margin:0}pre{background:#f6f8fa;padding:.5rem;overflow:auto;font-size:12px;max-height:30rem}
code{background:#f0f0f0;padding:0 .2rem;border-radius:3px}`;

/** Renders the whole reference page for `document` (an OpenAPI document this service built). */
export function renderReference(document: unknown): string {
  const doc = document as Document;
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op })),
  );
  const sections = doc.tags
    .map((tag) => {
      const ops = operations.filter(({ op }) => op.tags.includes(tag.name));
      return `<h2 id="tag-${tag.name}">${escapeHtml(tag.name)}</h2>${prose(tag.description)}${ops
        .map(({ method, path, op }) => operationHtml(doc, method, path, op))
        .join('')}`;
    })
    .join('');
  const toc = operations
    .map(
      ({ method, path, op }) =>
        `<li><a href="#${op.operationId}"><span class="method ${method}">${method.toUpperCase()}</span> ${escapeHtml(path)}</a></li>`,
    )
    .join('');
  const schemas = Object.entries(doc.components.schemas)
    .map(([name, schema]) => `<h3 id="schema-${name}">${name}</h3>${schemaHtml(schema)}`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)} ${escapeHtml(doc.info.version)}</title>
<style>${REFERENCE_CSS}</style></head>
<body><nav><b>${escapeHtml(doc.info.title)}</b> <small>${escapeHtml(doc.info.version)}</small>
<p><a href="openapi.json">openapi.json</a></p><ul>${toc}</ul><p><a href="#schemas">Schemas</a></p></nav>
<main><h1>${escapeHtml(doc.info.title)}</h1>${prose(doc.info.description)}${sections}
<h2 id="schemas">Schemas</h2>${schemas}</main></body></html>
`;
}
