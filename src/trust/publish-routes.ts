import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv, Deps } from '../app-env.ts'
import { bearer, commonErrors, createRouter, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { ownStatusList, statusListAddress } from './own-status-list.ts'
import { publicJwks } from './routes.ts'

/**
 * What this deployment publishes for scanners and other issuers to verify offline: its status
 * list (anyone) and the trust bundle (its scanners and coordinators). Both answer an ETag and 304
 * to If-None-Match, so polling an unchanged list costs a few bytes.
 */
export function publishRoutes(deps: Deps) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/trust/status-list',
      tags: ['trust'],
      summary: 'This issuer’s revocations as an IETF Token Status List JWT',
      description:
        'Anyone, no sign-in (other issuers fetch it). `application/statuslist+jwt`: a JWT of `typ: statuslist+jwt` signed with the pass keys (EdDSA, `kid` in `/.well-known/jwks.json`) whose `status_list` has one bit per 6-digit pass serial (the last six digits of the pass number), 1 = revoked or superseded, zlib-compressed (`bits: 1`, `lst`). Claims: `issuer_code`, `sub`, `iat`, `exp`, `ttl` (seconds a reader may keep it), `version` (grows with every revocation; never accept a lower one). Re-signed at least hourly. ETag; 304 on If-None-Match. The signed JSON list at `/api/v1/trust/revocations` stays.',
      responses: {
        200: {
          description: 'the status list JWT',
          content: { 'application/statuslist+jwt': { schema: z.string() } },
        },
        304: { description: 'unchanged since the ETag sent in If-None-Match' },
      },
    }),
    async (c) => {
      const list = await ownStatusList(deps, statusListAddress(deps, c.req.url))
      const headers = {
        etag: list.etag,
        'cache-control': `public, max-age=${list.claims.ttl}, must-revalidate`,
      }
      if (matches(c, list.etag)) return c.body(null, 304, headers)
      return c.body(list.jwt, 200, { ...headers, 'content-type': 'application/statuslist+jwt' })
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/trust/bundle',
      tags: ['trust'],
      summary: 'Everything a scanner needs to verify offline, in one response',
      description:
        'Checkpoint staff and coordinators. Each issuer’s JWKS and its own signed status list JWT unchanged (the phone verifies each issuer’s signature itself): this deployment first, then every trusted issuer. `fetched_at`: when this server last obtained or confirmed that issuer’s data; `current`: it confirmed it within three refresh intervals (then the data is as fresh as this answer). `warn_age_seconds` / `max_age_seconds`: past them an offline verdict warns / treats the data as stale (never `release`). `refresh_seconds`: how often to poll. ETag covers everything but the times of current data, so polling an unchanged bundle answers 304.',
      security: bearer,
      middleware: [allow('checkpoint', 'coordinator')],
      responses: {
        200: jsonResponse(TrustBundle, 'the trust bundle'),
        304: { description: 'unchanged since the ETag sent in If-None-Match' },
        ...commonErrors,
      },
    }),
    async (c) => {
      const bundle = await trustBundle(deps, c.req.url)
      const headers = { etag: bundle.etag, 'cache-control': 'private, no-cache' }
      if (matches(c, bundle.etag)) return c.body(null, 304, headers)
      return c.json(bundle.body, 200, headers)
    },
  )
  return app
}

const BundleIssuer = z.object({
  issuer_code: z.string(),
  name: z.string(),
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }),
  status_list: z
    .string()
    .nullable()
    .openapi({ description: 'the issuer’s own status list JWT, unchanged; null if none is held' }),
  fetched_at: z.string().nullable(),
  current: z.boolean(),
})

const TrustBundle = z
  .object({
    issuer_code: z.string().openapi({ description: 'this deployment’s issuer code' }),
    generated_at: z.string(),
    refresh_seconds: z.number().int(),
    warn_age_seconds: z.number().int(),
    max_age_seconds: z.number().int(),
    issuers: z.array(BundleIssuer),
  })
  .openapi('TrustBundle')

/** If-None-Match holds this ETag (a list of them, or `*`). */
function matches(c: Context<AppEnv>, etag: string): boolean {
  const sent = c.req.header('if-none-match')
  if (!sent) return false
  return sent
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === etag || t === '*')
}

/**
 * The trust bundle and its ETag. An issuer's data is `current` when fetched within three refresh
 * intervals: its `fetched_at` then moves every minute without changing what a scanner must know,
 * so it is left out of the ETag (the scanner counts the age of current data from its own sync).
 */
export async function trustBundle(deps: Deps, requestUrl: string) {
  const { config } = deps
  const now = deps.clock()
  const [own, jwks, rows] = await Promise.all([
    ownStatusList(deps, statusListAddress(deps, requestUrl)),
    publicJwks(deps),
    deps.store.db
      .selectFrom('trusted_issuers')
      .select([
        'issuer_code',
        'name',
        'jwks',
        'jwks_url',
        'status_list_url',
        'status_list',
        'fetched_at',
      ])
      .orderBy('issuer_code')
      .execute(),
  ])
  const currentWithin = 3 * config.TRUST_REFRESH_SECONDS * 1000
  const others = rows.map((row) => ({
    issuer_code: row.issuer_code,
    name: row.name,
    jwks: JSON.parse(row.jwks) as { keys: Record<string, unknown>[] },
    status_list: row.status_list,
    fetched_at: row.fetched_at,
    // An issuer registered without addresses has nothing to fetch: its keys are as current as
    // this server's trust list. With addresses, only a recent fetch keeps it current (one never
    // fetched yet is not).
    current: row.fetched_at
      ? now.getTime() - Date.parse(row.fetched_at) <= currentWithin
      : row.jwks_url === null && row.status_list_url === null,
  }))
  const body = {
    issuer_code: config.ISSUER_CODE,
    generated_at: now.toISOString(),
    refresh_seconds: Math.min(60, config.TRUST_REFRESH_SECONDS),
    warn_age_seconds: config.TRUST_WARN_AGE,
    max_age_seconds: config.TRUST_MAX_AGE,
    issuers: [
      {
        issuer_code: config.ISSUER_CODE,
        name: config.ISSUER_NAME,
        jwks,
        status_list: own.jwt,
        fetched_at: now.toISOString(),
        current: true,
      },
      ...others,
    ],
  }
  const identity = JSON.stringify([
    own.etag,
    jwks,
    body.refresh_seconds,
    body.warn_age_seconds,
    body.max_age_seconds,
    others.map((o) => [
      o.issuer_code,
      o.name,
      o.jwks,
      o.status_list,
      o.current ? null : o.fetched_at,
    ]),
  ])
  return { body, etag: `"tb-${await sha256Hex(identity)}"` }
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest).slice(0, 16), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('')
}
