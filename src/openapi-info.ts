import { CSRF_HEADER, SESSION_COOKIE } from './auth/middleware.ts'

/**
 * What a client developer reads first in the OpenAPI document (/api/openapi.json, /api/docs): how
 * to sign in, the cookie + CSRF rule the web pages rely on, and the conventions every route shares.
 * The cookie and header names come from the middleware that enforces them, so they cannot drift.
 */
export const OPENAPI_INFO = {
  title: 'tongxing 通行',
  version: '1.0.0',
  description: `Freight passes, whitelist and transfer stations (通行证 + 白名单 + 中转站) and the checkpoint closed loop (即采即走即追).

## Signing in
\`POST /api/v1/auth/login\` with \`{username, password}\` answers \`{token, role, expires_at}\`. Send the token as
\`Authorization: Bearer <token>\` on every other \`/api/v1\` call (scheme \`bearerAuth\`). Roles: \`admin\` (also a
coordinator), \`coordinator\`, \`enterprise\` (sees only its own firm's data: another firm's answers 404) and
\`checkpoint\` (only its own checkpoints).

## The web pages' session cookie, and CSRF
The pages under \`/ui\` keep the same token in the HttpOnly, SameSite=Strict cookie \`${SESSION_COOKIE}\` (scheme
\`cookieAuth\`), which the API accepts wherever it accepts the bearer token, only when no \`Authorization\` header is
sent. Reads (GET, HEAD, OPTIONS) need nothing more. A write signed by the cookie (POST, PUT, PATCH, DELETE):
- from another site (\`Sec-Fetch-Site: same-site\` or \`cross-site\`, or an \`Origin\`/\`Referer\` of another host) is
  refused with 403 \`cross_origin\`, whatever headers it carries;
- from our own pages (\`Sec-Fetch-Site: same-origin\`, or an \`Origin\`/\`Referer\` of this host or \`PUBLIC_ORIGIN\`)
  is accepted;
- when the request says neither, it must carry the header \`${CSRF_HEADER}: 1\` (which another site's page cannot
  send), else it is refused with 403 \`csrf\`.

Clients that send \`Authorization: Bearer\` are not subject to this rule.

## Conventions
- JSON bodies in snake_case; times are ISO 8601 with an offset.
- Errors: \`{"error": {"code", "message", "details"?}}\`. 400 invalid input (\`details[]\` names each \`field\`),
  401 no or bad token, 403 role not allowed, 404 not found or not yours, 409 the current state does not allow it,
  413 body too large, 429 too many attempts (\`Retry-After\`).
- \`message\` and \`details[].message\` follow \`Accept-Language\` (\`zh-CN\` by default, \`en\`); \`code\` never changes.
- Lists answer a JSON array, take \`limit\` and \`offset\`, and send \`X-Total-Count\` and, while more remain,
  \`Link: <…&offset=N>; rel="next"\`.`,
}

/** The two ways to be signed in; routes list both (router.ts `bearer`): either one is enough. */
export const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'The token from POST /api/v1/auth/login.',
  },
  cookieAuth: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: `The web pages' session cookie (the same token). Writes signed by it must come from our own origin or carry \`${CSRF_HEADER}: 1\`; see the description above.`,
  },
} as const
