import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { pageHeaders, pageParams, pagedResponse, readPage, slicePage } from '../http/paging.ts'
import { bearer, commonErrors, createRouter, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { findEnterprise } from '../enterprises/enterprises.repository.ts'
import { EnterpriseId } from '../enterprises/schemas.ts'
import { WHITELIST_LEVELS, WHITELIST_STATUSES } from '../enterprises/enterprises.table.ts'
import { dateTimeProblem } from '../applications/real-date-time.ts'
import { latestSignedHead, verifyAudit } from './chain.ts'
import { complianceReport, rankEnterprises } from './compliance-report.ts'
import { reportPeriod } from './report-period.ts'
import { listCheckpoints } from '../checkpoints/checkpoints.repository.ts'
import { apiLanguage } from '../http/language.ts'
import type { ComplianceReport as Report } from './compliance-report.ts'

/** Writes the report as CSV in words of a language (src/ui/audit-csv.ts: text people read lives in ui/). */
export type ReportCsvWriter = (
  report: Report,
  lang: 'zh' | 'en',
  checkpointNames: ReadonlyMap<string, string>,
  now: Date,
) => string

/** A day (`2026-11-01`, China time) or an instant with its offset. */
const PeriodBound = z
  .string()
  .max(40)
  // Checked against the calendar: JavaScript's Date would roll 2026-02-30 over into March.
  .refine(
    (v) => dateTimeProblem(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00+08:00` : v) === null,
    'a real date (YYYY-MM-DD) or an ISO 8601 time with offset',
  )

const PeriodQuery = z.object({
  from: PeriodBound.optional().openapi({
    description: 'start (inclusive); default 30 days before `to`',
  }),
  to: PeriodBound.optional().openapi({
    description: 'end (exclusive; a date means the end of that day); default the end of today',
  }),
})

const period = reportPeriod

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
    anchor_seq: z
      .number()
      .optional()
      .openapi({ description: 'for anchor problems: the anchored head that no longer matches' }),
    anchor: z
      .object({
        name: z.string(),
        heads: z.number(),
        skipped_lines: z.number(),
        last: z.object({ seq: z.number(), at: z.string() }).nullable(),
      })
      .nullable()
      .optional()
      .openapi({
        description:
          'the signed heads kept outside the database (at most one per AUDIT_ANCHOR_INTERVAL_SECONDS); null where the runtime keeps none (Workers)',
      }),
    truncation_detectable: z.boolean().openapi({
      description:
        'false where the runtime keeps no anchor outside the database (Workers today): the newest entries deleted together with their seals leave a shorter chain that verifies, so `ok` cannot rule out a truncation',
    }),
    unsealed_overdue: z
      .object({ count: z.number(), first_seq: z.number().nullable(), grace_seconds: z.number() })
      .optional()
      .openapi({
        description:
          'unsealed entries older than AUDIT_SEAL_GRACE_SECONDS: sealing is not running or refuses',
      }),
    sealing_stopped: z
      .object({
        problem: z.string(),
        first_bad_seq: z.number(),
        head_seq: z.number(),
        since: z.string(),
      })
      .optional()
      .openapi({ description: 'present when this server refuses to seal, and why' }),
  })
  .openapi('AuditVerification')

const EnterpriseRank = z
  .object({
    id: z.string(),
    name: z.string(),
    uscc: z.string(),
    whitelist: z.object({
      status: z.enum(WHITELIST_STATUSES),
      level: z.enum(WHITELIST_LEVELS).nullable(),
    }),
    open_alerts: z.number(),
    late_loops: z.number().openapi({ description: 'loops of the period with an overdue alert' }),
    loops: z.number(),
    failed_scans: z.number(),
  })
  .openapi('EnterpriseRank')

const SignedHead = z
  .object({
    issuer_code: z.string(),
    seq: z.number(),
    hash: z.string(),
    at: z.string(),
    kid: z.string(),
    token: z.string().openapi({
      description:
        'compact JWS (EdDSA, key in /.well-known/jwks.json) over {typ: "audit-seal", iss, seq, hash, at}',
    }),
    anchored: z.boolean().openapi({
      description:
        'true when read from the anchor outside the database (it is anchored at most once per AUDIT_ANCHOR_INTERVAL_SECONDS)',
    }),
  })
  .openapi('AuditHead')

export function auditRoutes(deps: Deps, reportCsv: ReportCsvWriter) {
  const { store } = deps
  const db = store.db
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit/log',
      tags: ['audit'],
      summary: 'The append-only audit log, oldest first from `since` (a sequence number)',
      description:
        'Coordinators. Every change made through the API (who, what, before and after), hash-chained so that GET /api/v1/audit/verify detects any edit; filtered by `subject` (e.g. `pass:330100000001`); personal data masked; paged.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: {
        query: z.object({
          since: z.coerce
            .number()
            .int()
            .min(0)
            .default(0)
            .openapi({ description: 'entries after this seq' }),
          subject: z.string().max(100).optional(),
          ...pageParams({ limit: 200, max: 1000 }),
        }),
      },
      responses: { 200: pagedResponse(AuditEntry, 'entries'), ...commonErrors },
    }),
    async (c) => {
      const q = c.req.valid('query')
      let query = db.selectFrom('audit_log').selectAll().where('seq', '>', q.since)
      if (q.subject) query = query.where('subject', '=', q.subject)
      const { rows, total } = await readPage(query.orderBy('seq'), q)
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
        pageHeaders(c, q, total),
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit/verify',
      tags: ['audit'],
      summary: 'Recompute the hash chain and check it against the signed seals and the anchor',
      description:
        'Coordinators. `{ok: true, entries}` or `{ok: false, first_bad_seq, problem}`. The chain is compared with the signed heads kept outside the database (`truncated`: the newest entries were deleted; `anchor_mismatch`: entries were rewritten; `anchor_missing`: the anchor lost heads the seals say it held, or a backup was restored without `npm run audit:verify -- --accept-restore`). Where there is no such anchor, `truncation_detectable` is false. Entries written since the last seal (within seconds) are counted as `unsealed`; those older than AUDIT_SEAL_GRACE_SECONDS as `unsealed_overdue`, which does not by itself make `ok` false.',
      security: bearer,
      middleware: [allow('coordinator')],
      responses: { 200: jsonResponse(VerifyAnswer, 'the verdict on the log'), ...commonErrors },
    }),
    async (c) => c.json(await verifyAudit(deps), 200),
  )

  // Public, like the JWKS: other issuers record it without an account here, and it shows only how
  // long the chain is, its head hash, the time and the signature, nothing of the entries.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit/head',
      tags: ['audit'],
      summary:
        'The latest signed head of the audit chain, for other issuers to record (no sign-in)',
      description:
        'The newest seal; `anchored` when the anchor outside the database holds it (or, after a truncation, a newer one). A head recorded elsewhere lets anyone show later that this log was truncated or rewritten. 404 `no_audit_head` before the first seal.',
      responses: { 200: jsonResponse(SignedHead, 'the signed head'), 404: commonErrors[404] },
    }),
    async (c) => {
      const latest = await latestSignedHead(deps)
      if (!latest) throw new ApiError(404, 'no_audit_head', 'the audit log has not been sealed yet')
      const { seq, hash, at, kid, token } = latest.head
      return c.json(
        {
          issuer_code: deps.config.ISSUER_CODE,
          seq,
          hash,
          at,
          kid,
          token,
          anchored: latest.anchored,
        },
        200,
        { 'cache-control': 'no-store' },
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit/enterprises',
      tags: ['audit'],
      summary: 'Whitelisted firms ranked by open alerts, then late loops: where to look first',
      description:
        'Coordinators. Over a period (`from`, `to`; default the last 30 days): each whitelisted firm’s figures, the firms most in need of a look first; paged.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { query: PeriodQuery.extend(pageParams({ limit: 500, max: 1000 })) },
      responses: { 200: pagedResponse(EnterpriseRank, 'ranking'), ...commonErrors },
    }),
    async (c) => {
      const query = c.req.valid('query')
      const { from, to } = period(query, deps.clock())
      // Ranked in memory over the whitelisted firms (a few hundred): paged here, counted from the same rows.
      const { rows, total } = slicePage(
        await rankEnterprises(db, from.toISOString(), to.toISOString()),
        query,
      )
      return c.json(rows, 200, pageHeaders(c, query, total))
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
      summary:
        'A firm’s compliance over a period: passes, loops, alerts, failed scans, whitelist history',
      description:
        'Coordinators. The report states its period (`from` inclusive, `to` exclusive; default the last 30 days) and names every figure; 404 for an unknown firm. The same as CSV: …/audit.csv.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: EnterpriseId, query: PeriodQuery },
      responses: {
        200: jsonResponse(z.record(z.string(), z.unknown()), 'the report'),
        ...commonErrors,
      },
    }),
    async (c) => c.json(await loadReport(c.req.valid('param').id, c.req.valid('query')), 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/enterprises/{id}/audit.csv',
      tags: ['audit'],
      summary: 'The same report as CSV (UTF-8 with BOM, for spreadsheet programs)',
      description:
        'One file of separated tables (a title row, a header row, the rows, a blank row): report information, summary figures, passes, loops, alerts, failed scans, whitelist decisions. Times are China time (UTC+8, `2026-11-30 08:00`); codes in words of `lang` (else of `Accept-Language`; Chinese by default).',
      security: bearer,
      middleware: [allow('coordinator')],
      request: {
        params: EnterpriseId,
        query: PeriodQuery.extend({
          lang: z.enum(['zh', 'en']).optional().openapi({
            description: 'the language of headers and words; default from Accept-Language',
          }),
        }),
      },
      responses: {
        200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const query = c.req.valid('query')
      const report = await loadReport(c.req.valid('param').id, query)
      const lang =
        query.lang ?? (apiLanguage(c.req.header('accept-language')) === 'en' ? 'en' : 'zh')
      const names = new Map((await listCheckpoints(db, {})).map((cp) => [cp.code, cp.name]))
      const name = `audit-${report.enterprise.uscc}-${report.period.from.slice(0, 10)}.csv`
      return c.body(reportCsv(report, lang, names, deps.clock()), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${name}"`,
      })
    },
  )

  return app
}
