import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { badRequest, conflict, notFound } from '../http/errors.ts'
import { pageHeaders, pageParams, pagedResponse, readPage } from '../http/paging.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { isCoordinator } from '../auth/principal.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from '../auth/principal.ts'
import { abortUnless } from '../db/guard.ts'
import { RegionCode } from '../regions/schemas.ts'
import { findRegion } from '../regions/regions.repository.ts'
import { MOBILE_PATTERN, encryptPersonal, maskPhone } from '../privacy/personal-data.ts'
import { WHITELIST_LEVELS, WHITELIST_STATUSES, type EnterpriseRow } from './enterprises.table.ts'
import {
  decisionView,
  enterpriseView,
  findEnterprise,
  findEnterpriseByUscc,
  enterprisesQuery,
  whitelistHistory,
} from './enterprises.repository.ts'
import { isValidUscc } from './uscc.ts'
import { decideWhitelist } from './whitelist.ts'
import { EnterpriseId } from './schemas.ts'

export const Uscc = z
  .string()
  .trim()
  .transform((v) => v.toUpperCase())
  .refine(
    isValidUscc,
    '18-character unified social credit code with a valid check character (GB 32100)',
  )
  .openapi({ example: '91330100MA2KXXXX0X', type: 'string' })

const EnterpriseBody = z
  .object({
    uscc: Uscc,
    name: z.string().trim().min(2).max(100),
    contact_name: z.string().trim().min(1).max(50),
    contact_phone: z.string().trim().regex(MOBILE_PATTERN, 'an 11-digit mobile number'),
    region_code: RegionCode,
  })
  .openapi('EnterpriseRequest')

const Whitelist = z.object({
  status: z.enum(WHITELIST_STATUSES),
  level: z.enum(WHITELIST_LEVELS).nullable(),
})

const Enterprise = z
  .object({
    id: z.string(),
    uscc: z.string(),
    name: z.string(),
    contact_name: z.string(),
    contact_phone: z.string().openapi({ description: 'masked', example: '138****5678' }),
    region_code: z.string(),
    whitelist: Whitelist,
    created_at: z.string(),
  })
  .openapi('Enterprise')

const Decision = z
  .object({
    previous_status: z.enum(WHITELIST_STATUSES).nullable(),
    previous_level: z.enum(WHITELIST_LEVELS).nullable(),
    status: z.enum(WHITELIST_STATUSES),
    level: z.enum(WHITELIST_LEVELS).nullable(),
    reason: z.string(),
    actor: z.string(),
    at: z.string(),
  })
  .openapi('WhitelistDecision')

const EnterpriseWithHistory = Enterprise.extend({ whitelist_history: z.array(Decision) }).openapi(
  'EnterpriseWithHistory',
)

const DecisionBody = z
  .object({
    status: z.enum(WHITELIST_STATUSES),
    level: z.enum(WHITELIST_LEVELS).nullish(),
    reason: z.string().trim().min(2).max(500),
  })
  .openapi('WhitelistDecisionRequest')

export function enterpriseRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/enterprises',
      tags: ['enterprises'],
      summary: 'Register an enterprise; it starts pending on the whitelist',
      description:
        'Coordinators. The firm starts `pending` on the whitelist and may apply for passes only once a coordinator makes it `active` (POST …/whitelist). The region must exist (400 `unknown_region`); a USCC already registered is 409 `enterprise_exists`. Audited.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: jsonBody(EnterpriseBody),
      responses: { 201: jsonResponse(Enterprise, 'registered'), ...commonErrors },
    }),
    async (c) => {
      const body = c.req.valid('json')
      if (!(await findRegion(store.db, body.region_code))) {
        throw badRequest('unknown_region', `region ${body.region_code} does not exist`, [
          { field: 'region_code', message: 'no such region' },
        ])
      }
      if (await findEnterpriseByUscc(store.db, body.uscc)) {
        throw conflict(
          'enterprise_exists',
          `an enterprise with USCC ${body.uscc} is already registered`,
        )
      }
      const now = deps.clock()
      const actor = actorOf(c.get('principal'))
      const row: EnterpriseRow = {
        id: crypto.randomUUID(),
        uscc: body.uscc,
        name: body.name,
        contact_name: body.contact_name,
        contact_phone_enc: await encryptPersonal(deps.config.DATA_KEY, body.contact_phone),
        contact_phone_masked: maskPhone(body.contact_phone),
        region_code: body.region_code,
        whitelist_status: 'pending',
        whitelist_level: null,
        created_at: now.toISOString(),
      }
      await store.atomic([
        abortUnless(
          sql`NOT EXISTS (SELECT 1 FROM enterprises WHERE uscc = ${row.uscc})`,
          'enterprise_exists',
          'an enterprise with this USCC is already registered',
        ),
        store.db.insertInto('enterprises').values(row),
        store.db.insertInto('whitelist_decisions').values({
          enterprise_id: row.id,
          previous_status: null,
          previous_level: null,
          status: 'pending',
          level: null,
          reason: 'registered',
          actor,
          at: row.created_at,
        }),
        auditEntry(now, {
          actor,
          action: 'enterprise.create',
          subject: `enterprise:${row.id}`,
          after: enterpriseView(row),
        }),
      ])
      return c.json(enterpriseView(row), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/enterprises',
      tags: ['enterprises'],
      summary: 'Enterprises, filtered by whitelist state',
      description:
        'Coordinators. Firms by name, filtered by `whitelist` state and `q` (part of the name, or the start of the USCC); contact phones masked; paged.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: {
        query: z.object({
          whitelist: z.enum(WHITELIST_STATUSES).optional(),
          q: z.string().max(50).optional(),
          ...pageParams({ limit: 500, max: 1000 }),
        }),
      },
      responses: { 200: pagedResponse(Enterprise, 'enterprises by name'), ...commonErrors },
    }),
    async (c) => {
      const query = c.req.valid('query')
      const { rows, total } = await readPage(enterprisesQuery(store.db, query), query)
      return c.json(rows.map(enterpriseView), 200, pageHeaders(c, query, total))
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/enterprises/{id}',
      tags: ['enterprises'],
      summary: 'One enterprise with its whitelist history (coordinators, or the enterprise itself)',
      description:
        'Coordinators, or an enterprise account for its own firm (another firm is 404, as an unknown id).',
      security: bearer,
      middleware: [allow('coordinator', 'enterprise')],
      request: { params: EnterpriseId },
      responses: { 200: jsonResponse(EnterpriseWithHistory, 'the enterprise'), ...commonErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const principal = c.get('principal')!
      // Another firm's record answers exactly as a missing one does.
      if (!isCoordinator(principal) && principal.enterpriseId !== id) throw notFound('enterprise')
      const row = await findEnterprise(store.db, id)
      if (!row) throw notFound('enterprise')
      const history = await whitelistHistory(store.db, id)
      return c.json({ ...enterpriseView(row), whitelist_history: history.map(decisionView) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/enterprises/{id}/whitelist',
      tags: ['enterprises'],
      summary: 'Decide an enterprise’s whitelist state, with the reason (kept forever)',
      description:
        'Coordinators. Moves the firm between whitelist states (`active` needs a `level`, kept from before when not sent: else 400 `level_required`); a move the current state does not allow is 409 `whitelist_transition`, the same state again 409 `whitelist_unchanged`. The decision and its reason are kept in the history and audited; a firm off the whitelist gets no new passes, and its passes scan `enterprise_not_whitelisted`.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: EnterpriseId, ...jsonBody(DecisionBody) },
      responses: {
        200: jsonResponse(Enterprise, 'the enterprise after the decision'),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const body = c.req.valid('json')
      const row = await findEnterprise(store.db, id)
      if (!row) throw notFound('enterprise')
      const decision = decideWhitelist(
        { status: row.whitelist_status, level: row.whitelist_level },
        body,
      )
      if (!decision.ok) {
        if (decision.code === 'level_required')
          throw badRequest(decision.code, decision.message, [
            { field: 'level', message: decision.message },
          ])
        throw conflict(decision.code, decision.message)
      }
      const now = deps.clock()
      const actor = actorOf(c.get('principal'))
      const after: EnterpriseRow = {
        ...row,
        whitelist_status: decision.next.status,
        whitelist_level: decision.next.level,
      }
      await store.atomic([
        abortUnless(
          sql`(SELECT whitelist_status FROM enterprises WHERE id = ${id}) = ${row.whitelist_status}
              AND (SELECT whitelist_level FROM enterprises WHERE id = ${id}) IS ${row.whitelist_level}`,
          'whitelist_changed',
          'the whitelist state changed meanwhile; reload and decide again',
        ),
        store.db
          .updateTable('enterprises')
          .set({ whitelist_status: after.whitelist_status, whitelist_level: after.whitelist_level })
          .where('id', '=', id),
        store.db.insertInto('whitelist_decisions').values({
          enterprise_id: id,
          previous_status: row.whitelist_status,
          previous_level: row.whitelist_level,
          status: after.whitelist_status,
          level: after.whitelist_level,
          reason: body.reason,
          actor,
          at: now.toISOString(),
        }),
        auditEntry(now, {
          actor,
          action: 'enterprise.whitelist',
          subject: `enterprise:${id}`,
          before: enterpriseView(row),
          after: { ...enterpriseView(after), reason: body.reason },
        }),
      ])
      return c.json(enterpriseView(after), 200)
    },
  )

  return app
}
