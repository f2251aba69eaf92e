import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../../app-env.ts'
import { ApiError, badRequest, conflict } from '../../http/errors.ts'
import { apiLanguage } from '../../http/language.ts'
import { localiseError } from '../../http/localise-error.ts'
import { bearer, commonErrors, createRouter, jsonResponse } from '../../http/router.ts'
import { allow } from '../../auth/middleware.ts'
import { actorOf } from '../../auth/principal.ts'
import { auditEntry } from '../../audit-log/audit-entry.ts'
import { findEnterprise } from '../../enterprises/enterprises.repository.ts'
import { applicationView } from '../applications.repository.ts'
import type { ApplicationRow } from '../applications.table.ts'
import {
  prepareApplication,
  refuseWaitingTwin,
  stillWhitelisted,
  submissionWrites,
} from '../prepare-application.ts'
import { checkRow, ruleError, type RowError } from './bulk-row.ts'
import { templateHeader } from './csv-columns.ts'
import { decodeCsv } from './decode-csv.ts'
import { readBulkCsv } from './read-bulk-csv.ts'

const RowErrorSchema = z.object({
  field: z.string().optional().openapi({
    description: 'the column as the file names it (`crew_id_number`, `司乘1身份证号`)',
  }),
  code: z.string().optional(),
  message: z.string().openapi({ description: 'in the language of `Accept-Language`' }),
})

const BulkResult = z
  .object({
    results: z.array(
      z.object({
        row: z.number().int().openapi({ description: 'the line in the file; the header is 1' }),
        status: z.enum(['created', 'rejected']),
        id: z.string().optional().openapi({ description: 'created: the application' }),
        plate: z.string().optional(),
        errors: z.array(RowErrorSchema).optional(),
      }),
    ),
  })
  .openapi('BulkApplicationResult')

type RowResult = z.infer<typeof BulkResult>['results'][number]

const isCsv = (contentType: string | undefined) =>
  /^text\/csv\s*(;|$)/i.test(contentType?.trim() ?? '')

const overlaps = (a: { from: string; until: string }, b: { from: string; until: string }) =>
  Date.parse(a.from) < Date.parse(b.until) && Date.parse(b.from) < Date.parse(a.until)

export function bulkApplicationRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/applications/bulk',
      tags: ['passes'],
      summary: 'Many applications from one CSV file (enterprise on the active whitelist)',
      description: `The request body is the file itself, \`text/csv\`, one application per row, at most BULK_MAX_ROWS (500; 150 in wrangler.toml); UTF-8 (with or without BOM) or the GBK/GB18030 Excel writes on Chinese Windows; a \`charset\` in Content-Type wins. Header (English names or the template's Chinese ones): \`plate, cargo_category, origin_region_code, destination_station_code\` (or \`destination_region_code\` + \`destination_address\`), \`route, valid_from, valid_until, crew_name, crew_id_number, crew_phone\`, optionally \`crew2_*\`, \`crew3_*\`. Times as \`2026-12-05 08:00\` or \`2026/12/5 8:00\` (China time) or ISO 8601 with an offset; cargo by code or its word. Each row is checked as POST /applications checks one and answered \`created\` or \`rejected\` with its errors (column as written, message in the request's language); a later row for a plate whose window overlaps an earlier row's is \`duplicate_in_file\`. All created rows are written together: if the firm left the whitelist meanwhile, 409 and nothing is created. 400 \`csv_empty\`, \`csv_header_invalid\` (details name the columns), \`too_many_rows\`, \`csv_malformed\`, \`csv_encoding_invalid\`; 415 for another content type; 413 over the body limit.`,
      security: bearer,
      middleware: [allow('enterprise')],
      request: {
        body: {
          required: true,
          content: {
            'text/csv': {
              schema: z.string().openapi({ format: 'binary', description: 'the CSV file' }),
            },
          },
        },
      },
      responses: {
        200: jsonResponse(BulkResult, 'one result per data row, in file order'),
        ...commonErrors,
      },
    }),
    async (c) => {
      const contentType = c.req.header('content-type')
      if (!isCsv(contentType))
        throw new ApiError(415, 'unsupported_media_type', 'send the file as text/csv')
      const principal = c.get('principal')!
      const enterprise = await findEnterprise(store.db, principal.enterpriseId!)
      if (!enterprise || enterprise.whitelist_status !== 'active') {
        throw conflict(
          'enterprise_not_whitelisted',
          'only an enterprise active on the whitelist may apply for passes',
        )
      }
      const decoded = decodeCsv(new Uint8Array(await c.req.arrayBuffer()), contentType)
      if (!decoded.ok) {
        throw badRequest(
          'csv_encoding_invalid',
          decoded.problem === 'unknown_charset'
            ? `unknown charset ${decoded.charset}`
            : `the file is not readable as ${decoded.charset}`,
        )
      }
      const csv = readBulkCsv(decoded.text, deps.config.BULK_MAX_ROWS)
      const lang = apiLanguage(c.req.header('accept-language'))
      const now = deps.clock()
      const applicant = { enterpriseId: enterprise.id, accountId: principal.accountId }

      const results: RowResult[] = []
      const created: { row: number; application: ApplicationRow }[] = []
      for (const line of csv.rows) {
        const checked = checkRow(line, csv.written, lang)
        const plate = checked.ok ? checked.body.plate : line.cell('plate') || undefined
        const rejected = (errors: RowError[]) =>
          results.push({ row: line.row, status: 'rejected', plate, errors })
        if (!checked.ok) {
          rejected(checked.errors)
          continue
        }
        const window = { from: checked.body.valid_from, until: checked.body.valid_until }
        const earlier = created.find(
          ({ application: a }) =>
            a.plate === checked.body.plate &&
            overlaps({ from: a.valid_from, until: a.valid_until }, window),
        )
        if (earlier) {
          const said = localiseError(
            lang,
            'duplicate_in_file',
            `row ${earlier.row} of this file already applies for this vehicle for an overlapping time`,
          )
          rejected([
            { field: csv.written('plate'), code: 'duplicate_in_file', message: said.message },
          ])
          continue
        }
        try {
          const application = await prepareApplication(deps, applicant, checked.body, now)
          await refuseWaitingTwin(deps, application)
          created.push({ row: line.row, application })
          results.push({ row: line.row, status: 'created', id: application.id, plate })
        } catch (error) {
          if (!(error instanceof ApiError)) throw error
          rejected([ruleError(error, csv.written, lang)])
        }
      }

      const actor = actorOf(principal)
      const shown = (row: ApplicationRow) =>
        applicationView(row, now, deps.config.APPROVAL_TARGET_HOURS)
      await store.atomic([
        stillWhitelisted(enterprise.id),
        ...created.flatMap(({ application }) =>
          submissionWrites(deps, application, actor, shown(application), now),
        ),
        auditEntry(now, {
          actor,
          action: 'application.bulk',
          subject: `enterprise:${enterprise.id}`,
          after: {
            rows: results.length,
            created: created.length,
            rejected: results.length - created.length,
            encoding: decoded.encoding,
          },
        }),
      ])
      return c.json({ results }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/applications/bulk/template.csv',
      tags: ['passes'],
      summary: 'The bulk-application template: the header row (UTF-8 with BOM, for Excel)',
      description:
        'Enterprise accounts. Chinese column names by default, English with `lang=en`; either is accepted on upload.',
      security: bearer,
      middleware: [allow('enterprise')],
      request: { query: z.object({ lang: z.enum(['zh', 'en']).optional() }) },
      responses: {
        200: { description: 'CSV', content: { 'text/csv': { schema: z.string() } } },
        ...commonErrors,
      },
    }),
    (c) => {
      const lang = c.req.valid('query').lang ?? 'zh'
      return c.body(`\uFEFF${templateHeader(lang)}\r\n`, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="tongxing-bulk-template-${lang}.csv"`,
      })
    },
  )

  return app
}
