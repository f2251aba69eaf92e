import type { MiddlewareHandler } from 'hono'

/** The headers Hono's `secureHeaders()` sets by default, for every response. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Referrer-Policy', 'no-referrer'],
  ['Strict-Transport-Security', 'max-age=15552000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
]

/**
 * For answers that are not pages (JSON, images, CSV): nothing may load or run, should one ever be
 * opened as a document. Pages replace it with `pagePolicy`.
 */
export const API_CONTENT_POLICY =
  "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/**
 * Sent with every answer unless its handler says otherwise: answers carry personal data and
 * signed-in pages, which no browser or proxy cache may keep. Public, cacheable answers (the
 * JWKS, the page scripts) set their own Cache-Control.
 */
export const DEFAULT_CACHE_CONTROL = 'no-store'

/**
 * The policy of the web pages: scripts only from our own files (no inline script at all; the
 * JSON data block is not executed), the one inline stylesheet by its hash. Inline `style`
 * attributes are allowed on their own (`style-src-attr`): they cannot load anything (images and
 * fonts stay 'self') nor select other elements, so they leak nothing; scripts never run from them.
 */
export function pagePolicy(styleHashes: readonly string[]) {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' ${styleHashes.map((hash) => `'${hash}'`).join(' ')}`.trim(),
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ')
}

/** `sha256-<base64>` of `text`, as CSP hash sources spell it. */
export async function cspHash(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
  )
  return `sha256-${btoa(String.fromCharCode(...digest))}`
}

/**
 * Sets SECURITY_HEADERS, the API content policy and `Cache-Control: no-store` before the handler
 * runs, so they travel in the response's own headers. Hono's `secureHeaders()` sets them
 * afterwards on `c.res.headers`, which on @hono/node-server turns the lightweight response into
 * a full web Response that is then written the slow way — about a fifth of a scan's cost on the
 * main thread. A handler may still replace one for its response.
 */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    for (const [name, value] of SECURITY_HEADERS) c.header(name, value)
    c.header('Content-Security-Policy', API_CONTENT_POLICY)
    c.header('Cache-Control', DEFAULT_CACHE_CONTROL)
    await next()
  }
}

/**
 * Content policy of the API docs (Swagger UI at /api/docs): everything from our own origin, no
 * inline script. Swagger UI sets its widgets' styles through the DOM (`element.style`), which
 * `style-src 'self'` allows; the stylesheet's icons are `data:` images. The page shows only the
 * public API description; "Try it out" calls our own API (connect-src 'self').
 */
export const DOCS_PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')
