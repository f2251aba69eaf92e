import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { notFound } from '../http/errors.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow, signedIn } from '../auth/middleware.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from '../auth/principal.ts'
import { abortUnless } from '../db/guard.ts'
import { RISK_LEVELS } from './regions.table.ts'
import { findRegion, regionsQuery, regionView, riskHistory } from './regions.repository.ts'
import { pageHeaders, pageParams, pagedResponse, readPage } from '../http/paging.ts'
import { RegionCode } from './schemas.ts'

const Region = z
  .object({
    code: z.string().openapi({ example: '310115' }),
    name: z.string().openapi({ example: '浦东新区' }),
    city_name: z.string(),
    province_name: z.string(),
    full_name: z.string().openapi({ example: '上海市 浦东新区' }),
    risk_level: z.enum(RISK_LEVELS),
    risk_reason: z.string().nullable(),
    risk_changed_at: z.string().nullable(),
  })
  .openapi('Region')

const RiskChange = z.object({
  previous_level: z.enum(RISK_LEVELS),
  level: z.enum(RISK_LEVELS),
  reason: z.string(),
  actor: z.string(),
  at: z.string(),
})

const RegionWithHistory = Region.extend({ risk_history: z.array(RiskChange) }).openapi(
  'RegionWithHistory',
)

const RiskBody = z
  .object({ level: z.enum(RISK_LEVELS), reason: z.string().trim().min(2).max(500) })
  .openapi('RiskChangeRequest')

const ListQuery = z.object({
  risk: z.enum(RISK_LEVELS).optional(),
  q: z.string().max(40).optional().openapi({ description: 'code prefix or part of a name' }),
  province: z
    .string()
    .regex(/^\d{2}(\d{4})?$/)
    .optional()
    .openapi({ description: '2-digit province code' }),
  ...pageParams({ limit: 500, max: 5000 }),
})

export function regionRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/regions',
      tags: ['reference data'],
      summary: 'County-level regions with their risk level',
      description:
        'Any signed-in role. The county-level regions (区县) by code, filtered by `risk` level, `province` (2-digit code) or `q` (a code prefix or part of a name); paged.',
      security: bearer,
      middleware: [signedIn()],
      request: { query: ListQuery },
      responses: { 200: pagedResponse(Region, 'regions by code'), ...commonErrors },
    }),
    async (c) => {
      const query = c.req.valid('query')
      const { rows, total } = await readPage(regionsQuery(store.db, query), query)
      return c.json(rows.map(regionView), 200, pageHeaders(c, query, total))
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/regions/{code}',
      tags: ['reference data'],
      summary: 'One region with its risk history, newest first',
      description: 'Any signed-in role. 404 for an unknown code.',
      security: bearer,
      middleware: [signedIn()],
      request: { params: z.object({ code: RegionCode }) },
      responses: { 200: jsonResponse(RegionWithHistory, 'the region'), ...commonErrors },
    }),
    async (c) => {
      const { code } = c.req.valid('param')
      const region = await findRegion(store.db, code)
      if (!region) throw notFound(`region ${code}`)
      const history = await riskHistory(store.db, code)
      return c.json(
        {
          ...regionView(region),
          risk_history: history.map(({ previous_level, level, reason, actor, at }) => ({
            previous_level,
            level,
            reason,
            actor,
            at,
          })),
        },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'put',
      path: '/regions/{code}/risk',
      tags: ['reference data'],
      summary: 'Set a region’s risk level, with the reason (kept in its history)',
      description:
        'Coordinators. From now on, applications from a `high` region must go to a transfer station, and scans show the origin’s new level; the change, who made it and why are kept in the region’s history and audited. 404 for an unknown code; 409 `region_changed` when another change landed meanwhile (read it and try again).',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: z.object({ code: RegionCode }), ...jsonBody(RiskBody) },
      responses: { 200: jsonResponse(Region, 'the region after the change'), ...commonErrors },
    }),
    async (c) => {
      const { code } = c.req.valid('param')
      const { level, reason } = c.req.valid('json')
      const principal = c.get('principal')!
      const region = await findRegion(store.db, code)
      if (!region) throw notFound(`region ${code}`)
      const now = deps.clock().toISOString()
      const actor = actorOf(principal)
      const after = {
        ...region,
        risk_level: level,
        risk_reason: reason,
        risk_changed_at: now,
        risk_changed_by: actor,
      }
      await store.atomic([
        // The history row records the level this change replaced; refuse if it moved meanwhile.
        abortUnless(
          sql`(SELECT risk_level FROM regions WHERE code = ${code}) = ${region.risk_level}`,
          'region_changed',
          'the record changed; try again',
        ),
        store.db
          .updateTable('regions')
          .set({
            risk_level: level,
            risk_reason: reason,
            risk_changed_at: now,
            risk_changed_by: actor,
          })
          .where('code', '=', code),
        store.db.insertInto('region_risk_changes').values({
          region_code: code,
          previous_level: region.risk_level,
          level,
          reason,
          actor,
          at: now,
        }),
        auditEntry(new Date(now), {
          actor,
          action: 'region.risk',
          subject: `region:${code}`,
          before: regionView(region),
          after: regionView(after),
        }),
      ])
      return c.json(regionView(after), 200)
    },
  )

  return app
}
