import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { badRequest, conflict, notFound } from '../http/errors.ts'
import { pageHeaders, pageParams, pagedResponse, readPage } from '../http/paging.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow, signedIn } from '../auth/middleware.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from '../auth/principal.ts'
import { signCompact } from './jws.ts'
import type { Verifier } from './key-resolver.ts'
import { loadSigningKeys } from './signing-keys.ts'

const PublicJwk = z
  .object({
    kid: z.string().min(1).max(64),
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'base64url of a 32-byte Ed25519 public key'),
    use: z.literal('sig').optional(),
    alg: z.literal('EdDSA').optional(),
  })
  .openapi('PublicJwk')

const Jwks = z.object({ keys: z.array(PublicJwk) }).openapi('Jwks')

const IssuerCode = z.string().regex(/^\d{6}$/, "the issuer's 6-digit region code")

const TrustedIssuerBody = z
  .object({
    issuer_code: IssuerCode,
    name: z.string().trim().min(2).max(100),
    // Private members (`d`) are refused: a trust list holds public keys only.
    jwks: z.object({ keys: z.array(PublicJwk.strict()).min(1).max(20) }),
  })
  .openapi('TrustedIssuerRequest')

const TrustedIssuer = z
  .object({
    issuer_code: z.string(),
    name: z.string(),
    jwks: Jwks,
    added_by: z.string(),
    added_at: z.string(),
  })
  .openapi('TrustedIssuer')

const Revocations = z
  .object({
    issuer_code: z.string(),
    version: z.number().int(),
    generated_at: z.string(),
    revoked: z.array(z.string()),
    superseded: z.array(z.string()),
    token: z
      .string()
      .openapi({ description: 'compact JWS (EdDSA) over the same list, for offline scanners' }),
  })
  .openapi('RevocationList')

/** The public half of this deployment's signing keys, for anyone verifying its passes. */
export async function publicJwks(deps: Deps) {
  const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
  return { keys: keys.all.map((k) => k.publicJwk) }
}

export function jwksRoute(deps: Deps) {
  const app = createRouter()
  app.openapi(
    createRoute({
      method: 'get',
      path: '/.well-known/jwks.json',
      tags: ['trust'],
      summary: 'This issuer’s public keys',
      description:
        'Anyone, no sign-in: the Ed25519 keys (JWK set) that verify this issuer’s pass tokens: every configured key, so passes signed before a key rotation keep verifying. For scanners and other issuers. Cacheable for 5 minutes.',
      responses: { 200: jsonResponse(Jwks, 'JWKS') },
    }),
    async (c) => c.json(await publicJwks(deps), 200, { 'cache-control': 'public, max-age=300' }),
  )
  return app
}

export function trustRoutes(deps: Deps, verifier: Verifier) {
  const { store } = deps
  const app = createRouter()
  const view = (row: {
    issuer_code: string
    name: string
    jwks: string
    added_by: string
    added_at: string
  }) => ({ ...row, jwks: JSON.parse(row.jwks) })

  app.openapi(
    createRoute({
      method: 'get',
      path: '/trust/issuers',
      tags: ['trust'],
      summary: 'Other issuers whose passes are accepted here',
      description:
        'Any signed-in role. The other issuers whose pass tokens scans here verify, with their public keys.',
      security: bearer,
      middleware: [signedIn()],
      request: { query: z.object(pageParams({ limit: 1000, max: 1000 })) },
      responses: {
        200: pagedResponse(TrustedIssuer, 'trust list by issuer code'),
        ...commonErrors,
      },
    }),
    async (c) => {
      const page = c.req.valid('query')
      const { rows, total } = await readPage(
        store.db.selectFrom('trusted_issuers').selectAll().orderBy('issuer_code'),
        page,
      )
      return c.json(rows.map(view), 200, pageHeaders(c, page, total))
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/trust/issuers',
      tags: ['trust'],
      summary: 'Trust another issuer’s public keys (admin)',
      description:
        'Admins. From now on, passes signed by these keys verify here like our own. This deployment’s own issuer code is 400 `own_issuer`; an issuer already trusted is 409 `issuer_exists` (remove it first to replace its keys). Audited.',
      security: bearer,
      middleware: [allow('admin')],
      request: jsonBody(TrustedIssuerBody),
      responses: { 201: jsonResponse(TrustedIssuer, 'added'), ...commonErrors },
    }),
    async (c) => {
      const body = c.req.valid('json')
      if (body.issuer_code === deps.config.ISSUER_CODE) {
        throw badRequest(
          'own_issuer',
          'this is this deployment’s own issuer code; its keys come from its configuration',
          [{ field: 'issuer_code', message: 'own issuer' }],
        )
      }
      const exists = await store.db
        .selectFrom('trusted_issuers')
        .select('issuer_code')
        .where('issuer_code', '=', body.issuer_code)
        .executeTakeFirst()
      if (exists)
        throw conflict(
          'issuer_exists',
          `issuer ${body.issuer_code} is already trusted; remove it first to replace its keys`,
        )
      const now = deps.clock()
      const row = {
        issuer_code: body.issuer_code,
        name: body.name,
        jwks: JSON.stringify(body.jwks),
        added_by: actorOf(c.get('principal')),
        added_at: now.toISOString(),
      }
      await store.atomic([
        store.db.insertInto('trusted_issuers').values(row),
        auditEntry(now, {
          actor: row.added_by,
          action: 'trust.add',
          subject: `issuer:${row.issuer_code}`,
          after: view(row),
        }),
      ])
      verifier.invalidate()
      return c.json(view(row), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/trust/issuers/{code}',
      tags: ['trust'],
      summary: 'Stop trusting an issuer (admin): its passes stop verifying here',
      description:
        'Admins. Its passes scan `unknown_key` from now on; 404 for an issuer not trusted. Audited.',
      security: bearer,
      middleware: [allow('admin')],
      request: { params: z.object({ code: IssuerCode }) },
      responses: { 200: jsonResponse(TrustedIssuer, 'removed'), ...commonErrors },
    }),
    async (c) => {
      const { code } = c.req.valid('param')
      const row = await store.db
        .selectFrom('trusted_issuers')
        .selectAll()
        .where('issuer_code', '=', code)
        .executeTakeFirst()
      if (!row) throw notFound('trusted issuer')
      const now = deps.clock()
      await store.atomic([
        store.db.deleteFrom('trusted_issuers').where('issuer_code', '=', code),
        auditEntry(now, {
          actor: actorOf(c.get('principal')),
          action: 'trust.remove',
          subject: `issuer:${code}`,
          before: view(row),
        }),
      ])
      verifier.invalidate()
      return c.json(view(row), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/trust/revocations',
      tags: ['trust'],
      summary: 'Revoked and superseded pass numbers, signed for offline scanners',
      description:
        'Any signed-in role (scanners fetch it to decide offline). Lists passes of this issuer that are revoked or superseded and whose window has not ended (an ended pass fails on its own expiry). `version` grows with every change; the `token` is a compact JWS (EdDSA, this issuer’s current key) whose payload is this document without the token.',
      security: bearer,
      middleware: [signedIn()],
      responses: { 200: jsonResponse(Revocations, 'revocation list'), ...commonErrors },
    }),
    async (c) => {
      const now = deps.clock()
      const [rows, version] = await Promise.all([
        store.db
          .selectFrom('passes')
          .select(['number', 'status'])
          .where('status', '!=', 'active')
          .where('valid_until', '>=', new Date(now.getTime() - 86_400_000).toISOString())
          .orderBy('number')
          .execute(),
        store.db
          .selectFrom('pass_status_changes')
          .select((eb) => eb.fn.max('id').as('v'))
          .executeTakeFirst(),
      ])
      const document = {
        issuer_code: deps.config.ISSUER_CODE,
        version: Number(version?.v ?? 0),
        generated_at: now.toISOString(),
        revoked: rows.filter((r) => r.status === 'revoked').map((r) => r.number),
        superseded: rows.filter((r) => r.status === 'superseded').map((r) => r.number),
      }
      const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
      const token = await signCompact(
        JSON.stringify({ typ: 'revocations', ...document }),
        keys.current,
      )
      return c.json({ ...document, token }, 200)
    },
  )

  return app
}
