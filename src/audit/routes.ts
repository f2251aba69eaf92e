import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../http/env.ts'
import { badRequest, notFound } from '../http/errors.ts'
import { bearer, commonErrors, createRouter, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { findEnterprise } from '../enterprises/enterprises.repository.ts'
import { EnterpriseId } from '../enterprises/routes.ts'
import { startOfChinaDay } from '../applications/rules.ts'
import { verifyAudit } from './chain.ts'
import { complianceReport, rankEnterprises } from './compliance-report.ts'
import { reportCsv } from './csv.ts'

const DAY = 86_400_000

/** A day (`2026-11-01`, China time) or an instant with its offset. */
const PeriodBound = z
  .string()
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) || z.iso.datetime({ offset: true }).safeParse(v).success, 'a date (YYYY-MM-DD) or an ISO 8601 time with offset')

const PeriodQuery = z.object({
  from: PeriodBound.optional().openapi({ description: 'start (inclusive); default 30 days before `to`' }),
  to: PeriodBound.optional().openapi({ description: 'end (exclusive; a date means the end of that day); default the end of today' }),
})

function period(query: { from?: string; to?: string }, now: Date) {
  const parse = (v: string, endOfDay: boolean) =>
    /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(Date.parse(`${v}T00:00:00+08:00`) + (endOfDay ? DAY : 0)) : new Date(v)
  const to = query.to ? parse(query.to, true) : new Date(startOfChinaDay(now).getTime() + DAY)
  const from = query.from ? parse(query.from, false) : new Date(to.getTime() - 31 * DAY)
  if (from.getTime() >= to.getTime()) throw badRequest('invalid_period', 'from must be before to', [{ field: 'from', message: 'after to' }])
  return { from, to }
}

const AuditEntry = z
  .object({
    seq: z.number(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    subject: z.string(),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
    hash: z.string().nullable(),
  })
  .openapi('AuditEntry')

const VerifyAnswer = z
  .object({
    ok: z.boolean(),
    entries: z.number(),
    first_bad_seq: z.number().optional(),
    problem: z.string().optional(),
    sealed_through: z.number().optional(),
    unsealed: z.number().optional(),
    last_seal: z.object({ seq: z.number(), at: z.string() }).nullable().optional(),
  })
  .openapi('AuditVerification')

export function auditRoutes(deps: Deps) {
  const { store } = deps
  const db = store.db
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit/log',
      tags: ['audit'],
      summary: 'The append-only audit log, oldest first from `since` (a sequence number)',
      security: bearer,
      middleware: [allow('coordinator')],
      request: {
        query: z.object({
          since: z.coerce.number().int().min(0).default(0).openapi({ description: 'entries after this seq' }),
          subject: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(200),
        }),
      },
      responses: { 200: jsonResponse(z.array(AuditEntry), 'entries'), ...commonErrors },
    }),
    async (c) => {
      const q = c.req.valid('query')
      let query = db.selectFrom('audit_log').selectAll().where('seq', '>', q.since)
      if (q.subject) query = query.where('subject', '=', q.subject)
      const rows = await query.orderBy('seq').limit(q.limit).execute()
      return c.json(
        rows.map((r) => ({
          seq: r.seq,
          at: r.at,
          actor: r.actor,
          action: r.action,
          subject: r.subject,
          ...(r.before === null ? {} : { before: JSON.parse(r.before) }),
          ...(r.after === null ? {} : { after: JSON.parse(r.after) }),
          hash: r.hash,
        })),
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit/verify',
      tags: ['audit'],
      summary: 'Recompute the hash chain and check the signed seals',
      description: '`{ok: true, entries}` or `{ok: false, first_bad_seq, problem}`. Entries written since the last seal (within seconds) are counted as `unsealed`.',
      security: bearer,
      middleware: [allow('coordinator')],
      responses: { 200: jsonResponse(VerifyAnswer, 'the verdict on the log'), ...commonErrors },
    }),
    async (c) => c.json(await verifyAudit(deps), 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit/enterprises',
      tags: ['audit'],
      summary: 'Whitelisted firms ranked by open alerts, then late loops: where to look first',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { query: PeriodQuery },
      responses: { 200: jsonResponse(z.array(z.record(z.string(), z.unknown())), 'ranking'), ...commonErrors },
    }),
    async (c) => {
      const { from, to } = period(c.req.valid('query'), deps.clock())
      return c.json(await rankEnterprises(db, from.toISOString(), to.toISOString()), 200)
    },
  )

  async function loadReport(id: string, query: { from?: string; to?: string }) {
    const enterprise = await findEnterprise(db, id)
    if (!enterprise) throw notFound('enterprise')
    const now = deps.clock()
    const { from, to } = period(query, now)
    return complianceReport(db, enterprise, from, to, now)
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/enterprises/{id}/audit',
      tags: ['audit'],
      summary: 'A firm’s compliance over a period: passes, loops, alerts, failed scans, whitelist history',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: EnterpriseId, query: PeriodQuery },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), 'the report'), ...commonErrors },
    }),
    async (c) => c.json((await loadReport(c.req.valid('param').id, c.req.valid('query'))) as never, 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/enterprises/{id}/audit.csv',
      tags: ['audit'],
      summary: 'The same report as CSV (UTF-8 with BOM, for spreadsheet programs)',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: EnterpriseId, query: PeriodQuery },
      responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } }, ...commonErrors },
    }),
    async (c) => {
      const report = await loadReport(c.req.valid('param').id, c.req.valid('query'))
      const name = `audit-${report.enterprise.uscc}-${report.period.from.slice(0, 10)}.csv`
      return c.body(reportCsv(report), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${name}"`,
      })
    },
  )

  return app
}
