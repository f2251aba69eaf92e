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
import { fetchTrustDocument, TrustFetchFailed } from './fetch-trust-document.ts'
import { readIssuerJwks, type IssuerJwks } from './issuer-jwks.ts'
import { ISSUER_COLUMNS, issuerView } from './trusted-issuers.repository.ts'

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

/**
 * Where another issuer's JWKS or status list is fetched from: http(s), no user or password in it.
 * Plain http only to this machine (a local or test setup): over a network a forged JWKS could add
 * a key, so real deployments use https.
 */
export function isTrustUrl(value: string): boolean {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  if (url.username || url.password) return false
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && LOOPBACK.test(url.hostname)
}
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i

const TrustUrl = z
  .string()
  .trim()
  .max(2000)
  .refine(isTrustUrl, 'an https address without user or password (plain http only to localhost)')
  .openapi({ example: 'https://tx.sh.example.cn/.well-known/jwks.json' })

// Private members (`d`) are refused: a trust list holds public keys only.
const GivenJwks = z.object({ keys: z.array(PublicJwk.strict()).min(1).max(20) })

const TrustedIssuerBody = z
  .object({
    issuer_code: IssuerCode,
    name: z.string().trim().min(2).max(100),
    jwks: GivenJwks.optional().openapi({
      description: 'the issuer’s public keys; leave out to fetch them from `jwks_url` at once',
    }),
    jwks_url: TrustUrl.optional().openapi({
      description: 'where the issuer publishes its JWKS (its `/.well-known/jwks.json`)',
    }),
    status_list_url: TrustUrl.optional().openapi({
      description: 'where it publishes its status list (its `/api/v1/trust/status-list`)',
    }),
  })
  .refine((b) => b.jwks !== undefined || b.jwks_url !== undefined, {
    message: 'send the keys (jwks) or the address to fetch them from (jwks_url)',
    path: ['jwks'],
  })
  .openapi('TrustedIssuerRequest')

const TrustedIssuerChange = z
  .object({
    name: z.string().trim().min(2).max(100).optional(),
    jwks_url: TrustUrl.nullable().optional().openapi({ description: 'null stops fetching it' }),
    status_list_url: TrustUrl.nullable()
      .optional()
      .openapi({ description: 'null stops fetching it (the last list fetched is kept)' }),
    confirm_fetched_jwks: z.literal(true).optional().openapi({
      description:
        'fetch the JWKS from `jwks_url` now and take it whatever keys it holds: how an admin confirms a key set the refresh refused as replaced entirely',
    }),
  })
  .openapi('TrustedIssuerChange')

const TrustedIssuer = z
  .object({
    issuer_code: z.string(),
    name: z.string(),
    jwks: Jwks,
    added_by: z.string(),
    added_at: z.string(),
    jwks_url: z.string().nullable(),
    status_list_url: z.string().nullable(),
    fetched_at: z.string().nullable().openapi({
      description:
        'when its revocation data (its keys, with no list address) was last obtained or confirmed current',
    }),
    status_list_version: z.number().int().nullable(),
    last_error: z.string().nullable().openapi({
      description:
        'why the last refresh failed (`problem: sentence`, several joined by `; `); null after a good one',
    }),
    last_error_at: z.string().nullable(),
    failures: z.number().int().openapi({ description: 'refreshes failed in a row' }),
    failing_since: z.string().nullable(),
    alert_opened_at: z.string().nullable().openapi({
      description: 'when coordinators were alerted that fetching keeps failing; null when not',
    }),
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
  const view = issuerView

  /** The JWKS at `url`, fetched now, or a 400 saying why not (trust/refresh-issuers.ts fetches later ones). */
  async function fetchJwksNow(url: string): Promise<{ jwks: IssuerJwks; etag: string | null }> {
    let fetched
    try {
      fetched = await fetchTrustDocument(deps.fetch ?? fetch, url, {
        accept: 'application/jwk-set+json, application/json',
      })
    } catch (error) {
      if (!(error instanceof TrustFetchFailed)) throw error
      throw badRequest(
        'jwks_unreachable',
        `the JWKS could not be fetched from ${url} (${error.message})`,
        [{ field: 'jwks_url', message: 'could not be fetched' }],
      )
    }
    const read = fetched.changed ? readIssuerJwks(fetched.text) : null
    if (!fetched.changed || !read?.ok) {
      throw badRequest(
        'jwks_invalid',
        `the document at ${url} is not a public Ed25519 key set (${read && !read.ok ? read.reason : 'no body'})`,
        [{ field: 'jwks_url', message: 'not a public Ed25519 key set' }],
      )
    }
    return { jwks: read.jwks, etag: fetched.etag }
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/trust/issuers',
      tags: ['trust'],
      summary: 'Other issuers whose passes are accepted here',
      description:
        'Any signed-in role. The other issuers whose pass tokens scans here verify, with their public keys, the addresses their keys and status lists are fetched from, and how the last fetch went: `fetched_at`, `status_list_version`, `last_error` (null after a good refresh), `failures` in a row since `failing_since`, and `alert_opened_at` once coordinators were alerted.',
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
        store.db.selectFrom('trusted_issuers').select(ISSUER_COLUMNS).orderBy('issuer_code'),
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
        'Admins. From now on, passes signed by these keys verify here like our own. With `jwks_url` and `status_list_url` the service fetches the issuer’s JWKS and status list every TRUST_REFRESH_SECONDS (a pass revoked there then scans `revoked` here). `jwks` may be left out when `jwks_url` is given: the JWKS is then fetched at once, and an address that does not answer is 400 `jwks_unreachable`, a document that is not a public Ed25519 key set 400 `jwks_invalid`. Addresses are https (plain http only to localhost) with no user or password. This deployment’s own issuer code is 400 `own_issuer`; an issuer already trusted is 409 `issuer_exists` (remove it first to replace its keys). Audited.',
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
      const fetched = body.jwks ? null : await fetchJwksNow(body.jwks_url!)
      const now = deps.clock()
      const row = {
        issuer_code: body.issuer_code,
        name: body.name,
        jwks: JSON.stringify(fetched?.jwks ?? body.jwks),
        added_by: actorOf(c.get('principal')),
        added_at: now.toISOString(),
        jwks_url: body.jwks_url ?? null,
        status_list_url: body.status_list_url ?? null,
        jwks_etag: fetched?.etag ?? null,
        // Keys fetched now are current; with a list address the list's first fetch sets it.
        fetched_at: fetched && !body.status_list_url ? now.toISOString() : null,
        status_list_version: null,
        last_error: null,
        last_error_at: null,
        failures: 0,
        failing_since: null,
        alert_opened_at: null,
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
      method: 'patch',
      path: '/trust/issuers/{code}',
      tags: ['trust'],
      summary:
        'Change a trusted issuer’s name or the addresses its keys and list come from (admin)',
      description:
        'Admins. Send only what changes (none: 400 `nothing_to_change`). A URL set to null stops fetching it (the keys and the last list fetched stay). A changed address starts afresh: its ETag is dropped, and the failure count and any alert are cleared. `confirm_fetched_jwks: true` fetches the JWKS from the address now and takes it as it is, even one sharing no key with the keys held (the refresh refuses those: a hijacked address must not swap every key silently), so an admin confirms a real key change here; no address is 400 `no_jwks_url`, one that fails 400 `jwks_unreachable` / `jwks_invalid`. 404 for an issuer not trusted. Audited.',
      security: bearer,
      middleware: [allow('admin')],
      request: { params: z.object({ code: IssuerCode }), ...jsonBody(TrustedIssuerChange) },
      responses: { 200: jsonResponse(TrustedIssuer, 'changed'), ...commonErrors },
    }),
    async (c) => {
      const { code } = c.req.valid('param')
      const body = c.req.valid('json')
      if (
        body.name === undefined &&
        body.jwks_url === undefined &&
        body.status_list_url === undefined &&
        body.confirm_fetched_jwks === undefined
      )
        throw badRequest('nothing_to_change', 'send at least one field to change')
      const before = await store.db
        .selectFrom('trusted_issuers')
        .selectAll()
        .where('issuer_code', '=', code)
        .executeTakeFirst()
      if (!before) throw notFound('trusted issuer')
      const jwksUrl = body.jwks_url === undefined ? before.jwks_url : body.jwks_url
      if (body.confirm_fetched_jwks && !jwksUrl)
        throw badRequest('no_jwks_url', 'the issuer has no JWKS address to fetch its keys from', [
          { field: 'jwks_url', message: 'an address to fetch the keys from is needed' },
        ])
      const fetched = body.confirm_fetched_jwks ? await fetchJwksNow(jwksUrl!) : null
      const jwksUrlChanged = jwksUrl !== before.jwks_url
      const listUrlChanged =
        body.status_list_url !== undefined && body.status_list_url !== before.status_list_url
      const fresh = jwksUrlChanged || listUrlChanged || fetched !== null
      const changes = {
        ...(body.name === undefined ? {} : { name: body.name }),
        ...(jwksUrlChanged ? { jwks_url: jwksUrl, jwks_etag: null } : {}),
        ...(listUrlChanged
          ? { status_list_url: body.status_list_url, status_list_etag: null }
          : {}),
        ...(fetched ? { jwks: JSON.stringify(fetched.jwks), jwks_etag: fetched.etag } : {}),
        ...(fresh
          ? {
              failures: 0,
              failing_since: null,
              last_error: null,
              last_error_at: null,
              alert_opened_at: null,
            }
          : {}),
      }
      const after = { ...before, ...changes }
      const now = deps.clock()
      await store.atomic([
        store.db.updateTable('trusted_issuers').set(changes).where('issuer_code', '=', code),
        auditEntry(now, {
          actor: actorOf(c.get('principal')),
          action: 'trust.update',
          subject: `issuer:${code}`,
          before: view(before),
          after: view(after),
        }),
      ])
      verifier.invalidate()
      return c.json(view(after), 200)
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
