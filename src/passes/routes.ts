import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { conflict, notFound } from '../http/errors.ts'
import { pageHeaders, pageParams, pagedResponse, readPage } from '../http/paging.ts'
import {
  ErrorSchema,
  bearer,
  commonErrors,
  createRouter,
  jsonBody,
  jsonResponse,
} from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import type { Principal } from '../auth/principal.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from '../auth/principal.ts'
import { abortUnless } from '../db/guard.ts'
import { ReasonBody } from '../applications/schemas.ts'
import { Plate } from '../applications/schemas.ts'
import { ensureToken } from './issue-pass.ts'
import {
  findPass,
  findVisiblePass,
  passAuditView,
  passView,
  passViewerOf,
  passViewFor,
  visiblePassesQuery,
  type PassWithSuccessor,
} from './passes.repository.ts'
import { applicationCrew } from '../applications/applications.repository.ts'
import { applicationErasedAt } from '../personal-data/retention.repository.ts'
import type { PassRow } from './passes.table.ts'
import { PassNumber, PassSchema } from './schemas.ts'
import { QR_SVG_HEADERS, qrPng, qrSvg } from './qr.ts'
import { driverUrlFor } from './driver-url.ts'

const NumberParam = z.object({ number: PassNumber })

export function passRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()
  // A PNG costs work in the square of its width: a larger width is refused (400), not drawn or
  // silently shrunk, so the client learns the limit instead of printing a smaller code.
  const maxWidth = deps.config.QR_MAX_WIDTH
  const PngQuery = z.object({
    width: z.coerce
      .number()
      .int()
      .min(Math.min(128, maxWidth))
      .max(maxWidth)
      .default(Math.min(512, maxWidth)),
  })

  /** The pass with its token, if the caller may see it: coordinators all, an enterprise its own (else 404). */
  async function visiblePass(principal: Principal, number: string): Promise<PassWithSuccessor> {
    const row = await findVisiblePass(store.db, viewer(principal), number)
    if (!row) throw notFound('pass')
    return ensureToken(deps, row)
  }

  const viewer = passViewerOf

  const busy = {
    429: jsonResponse(
      ErrorSchema,
      'too many images of your account wait to be drawn: ask again after Retry-After',
    ),
  }

  const crewOf = (row: PassRow) => applicationCrew(store.db, row.application_id)

  app.openapi(
    createRoute({
      method: 'get',
      path: '/passes',
      tags: ['passes'],
      summary: 'Passes: all for coordinators, its own for an enterprise; newest first',
      description:
        'Coordinators see every firm’s (optionally one `enterprise_id`), an enterprise account only its own; filtered by `status`, `plate` and `number` (or its first digits); paged.',
      security: bearer,
      middleware: [allow('coordinator', 'enterprise')],
      request: {
        query: z.object({
          status: z.enum(['active', 'revoked', 'superseded', 'expired']).optional(),
          plate: Plate.optional(),
          number: z
            .string()
            .regex(/^\d{1,12}$/)
            .optional()
            .openapi({ description: 'a pass number, or its first digits' }),
          enterprise_id: z.string().max(64).optional(),
          ...pageParams({ limit: 200, max: 1000 }),
        }),
      },
      responses: { 200: pagedResponse(PassSchema, 'passes'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const query = c.req.valid('query')
      const now = deps.clock()
      const { rows, total } = await readPage(
        visiblePassesQuery(store.db, viewer(principal), {
          ...query,
          enterpriseId: query.enterprise_id,
          now,
        }),
        query,
      )
      return c.json(
        rows.map((row) => passViewFor(viewer(principal), row, now)),
        200,
        pageHeaders(c, query, total),
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/passes/{number}',
      tags: ['passes'],
      summary: 'One pass with its token, masked crew and the driver’s link',
      description:
        'Coordinators, or the enterprise that holds it (another firm’s is 404). `token` is the signed pass (compact JWS) the QR code carries; crew ID numbers and phones are masked; `driver_url` is the driver’s page (GET /d/{token}: no sign-in), on PUBLIC_ORIGIN when configured, else this request’s origin.',
      security: bearer,
      middleware: [allow('coordinator', 'enterprise')],
      request: { params: NumberParam },
      responses: { 200: jsonResponse(PassSchema, 'the pass'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const row = await visiblePass(principal, c.req.valid('param').number)
      const view = passViewFor(viewer(principal), row, deps.clock(), await crewOf(row))
      // Only here, to the firm that holds the pass and coordinators (visiblePass said 404 to others).
      const driverUrl = await driverUrlFor(deps, c, row.number)
      const erasedAt = await applicationErasedAt(store.db, row.application_id)
      return c.json({ ...view, personal_erased_at: erasedAt, driver_url: driverUrl }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/passes/{number}/qr.svg',
      tags: ['passes'],
      summary: 'The pass QR code (SVG)',
      description:
        'Coordinators, or the enterprise that holds it (another firm’s is 404): the QR code of the pass `token`, for printing or a screen.',
      security: bearer,
      middleware: [allow('coordinator', 'enterprise')],
      request: { params: NumberParam },
      responses: {
        200: { description: 'SVG image', content: { 'image/svg+xml': { schema: z.string() } } },
        ...commonErrors,
        ...busy,
      },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const row = await visiblePass(principal, c.req.valid('param').number)
      return c.body(await qrSvg(row.token!, principal.accountId), 200, QR_SVG_HEADERS)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/passes/{number}/qr.png',
      tags: ['passes'],
      summary:
        'The pass QR code (PNG), `width` pixels square, at most QR_MAX_WIDTH (400 beyond it); 429 with Retry-After while 32 images of the account wait to be drawn',
      description:
        'Coordinators, or the enterprise that holds it (another firm’s is 404): the same QR code as a PNG, for apps that cannot show SVG.',
      security: bearer,
      middleware: [allow('coordinator', 'enterprise')],
      request: { params: NumberParam, query: PngQuery },
      responses: {
        200: { description: 'PNG image', content: { 'image/png': { schema: z.string() } } },
        ...commonErrors,
        ...busy,
      },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const row = await visiblePass(principal, c.req.valid('param').number)
      // Drawn in the account's turn: 429 past its bound of waiting images (see drawingTurns).
      const png = await qrPng(row.token!, c.req.valid('query').width, principal.accountId)
      return c.body(png, 200, { 'content-type': 'image/png', 'cache-control': 'private, no-store' })
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/passes/{number}/revoke',
      tags: ['passes'],
      summary:
        'Revoke a pass with a reason: refused at once online, offline with the next revocation list',
      description:
        'Coordinators. Only an `active` pass (else 409 `pass_not_active`). Online scans answer `revoked` at once; offline scanners learn it from the next signed revocation list (GET /api/v1/trust/revocations). The reason is kept with the pass and audited.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: NumberParam, ...jsonBody(ReasonBody) },
      responses: { 200: jsonResponse(PassSchema, 'the revoked pass'), ...commonErrors },
    }),
    async (c) => {
      const { number } = c.req.valid('param')
      const { reason } = c.req.valid('json')
      const row = await findPass(store.db, number)
      if (!row) throw notFound('pass')
      if (row.status !== 'active')
        throw conflict('pass_not_active', `the pass is already ${row.status}`)
      const now = deps.clock()
      const at = now.toISOString()
      const actor = actorOf(c.get('principal'))
      const after: PassRow = {
        ...row,
        status: 'revoked',
        status_reason: reason,
        status_changed_at: at,
      }
      await store.atomic([
        abortUnless(
          sql`(SELECT status FROM passes WHERE number = ${number}) = 'active'`,
          'pass_not_active',
          'the pass was revoked or replaced meanwhile',
        ),
        store.db
          .updateTable('passes')
          .set({ status: 'revoked', status_reason: reason, status_changed_at: at })
          .where('number', '=', number),
        store.db
          .insertInto('pass_status_changes')
          .values({ pass_number: number, status: 'revoked', reason, actor, at }),
        auditEntry(now, {
          actor,
          action: 'pass.revoke',
          subject: `pass:${number}`,
          before: passAuditView({ ...row }),
          after: { ...passAuditView(after), reason },
        }),
      ])
      return c.json(passView(await ensureToken(deps, after), now), 200)
    },
  )

  return app
}
