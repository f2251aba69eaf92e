import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { badRequest, forbidden } from '../http/errors.ts'
import { pageHeaders, pageParams, pagedResponse, readPage } from '../http/paging.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { isCoordinator } from '../auth/principal.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from '../auth/principal.ts'
import { CrewInput, Plate, Timestamp } from '../applications/schemas.ts'
import { sealCrew } from '../applications/applications.repository.ts'
import { isEntryCheckpoint } from '../checkpoints/checkpoint-kinds.ts'
import { PassNumber } from '../passes/schemas.ts'
import { ReferenceCode } from '../stations/schemas.ts'
import type { ArrivalReportRow } from './arrivals.table.ts'
import { arrivalReportsQuery, reportView } from './arrivals.repository.ts'
import { firmHoldsPlate } from './plate-ownership.ts'
import {
  MAX_WINDOW_HOURS,
  NO_SHOW_AFTER_HOURS,
  REPORT_STATUSES,
  isReportedLate,
} from './report-rules.ts'
import { ArrivalReport } from './schemas.ts'
import { findBooking } from '../stations/bookings.repository.ts'

const HOUR = 3_600_000

const ReportBody = z
  .object({
    plate: Plate,
    pass_number: PassNumber.nullish(),
    checkpoint_code: ReferenceCode,
    expected_from: Timestamp,
    expected_until: Timestamp,
    crew: CrewInput,
    booking_id: z.string().min(1).max(64).nullish(),
  })
  .openapi('ArrivalReportRequest')

const ListQuery = z.object({
  checkpoint: ReferenceCode.optional(),
  from: Timestamp.optional().openapi({ description: 'windows ending at or after' }),
  to: Timestamp.optional().openapi({ description: 'windows starting before' }),
  status: z.enum(REPORT_STATUSES).optional(),
  plate: Plate.optional(),
  ...pageParams({ limit: 200, max: 1000 }),
})

export function arrivalRoutes(deps: Deps) {
  const { store } = deps
  const db = store.db
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/arrival-reports',
      tags: ['arrivals'],
      summary: 'Report a vehicle coming to an entry checkpoint (报备), by default 24 h ahead',
      description:
        'Enterprise accounts. A firm reports only its own vehicles: a plate it holds an active, unexpired pass for (and, if `pass_number` is given, that pass); anything else is `400 plate_not_yours`, the same whether the vehicle is unknown or another firm’s. A report filed later than the lead time is accepted and marked `reported_late`. `booking_id` may name the firm’s live slot booking at a transfer station for this vehicle (and pass); another is `400 unknown_booking`.',
      security: bearer,
      middleware: [allow('enterprise')],
      request: jsonBody(ReportBody),
      responses: { 201: jsonResponse(ArrivalReport, 'filed'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const body = c.req.valid('json')
      const now = deps.clock()
      const from = new Date(body.expected_from)
      const until = new Date(body.expected_until)
      if (until.getTime() <= from.getTime())
        throw badRequest('invalid_window', 'expected_until must be after expected_from', [
          { field: 'expected_until', message: 'before expected_from' },
        ])
      if (until.getTime() <= now.getTime())
        throw badRequest('invalid_window', 'the window has already ended', [
          { field: 'expected_until', message: 'in the past' },
        ])
      if (until.getTime() - from.getTime() > MAX_WINDOW_HOURS * HOUR) {
        throw badRequest(
          'invalid_window',
          `an arrival window is at most ${MAX_WINDOW_HOURS} hours`,
          [{ field: 'expected_until', message: 'window too long' }],
        )
      }
      const checkpoint = await db
        .selectFrom('checkpoints')
        .select(['code', 'kind'])
        .where('code', '=', body.checkpoint_code)
        .executeTakeFirst()
      if (!checkpoint)
        throw badRequest('unknown_checkpoint', `no checkpoint ${body.checkpoint_code}`, [
          { field: 'checkpoint_code', message: 'no such checkpoint' },
        ])
      if (!isEntryCheckpoint(checkpoint.kind)) {
        throw badRequest(
          'not_an_entry_checkpoint',
          'report arrivals to a highway exit or road checkpoint',
          [{ field: 'checkpoint_code', message: `a ${checkpoint.kind} checkpoint` }],
        )
      }
      // A firm reports only its own trucks. Another firm's plate or pass and an unknown one get the
      // same answer, worded from the request alone, so nothing is learnt about another firm's truck.
      const own = await firmHoldsPlate(db, {
        enterpriseId: principal.enterpriseId!,
        plate: body.plate,
        passNumber: body.pass_number ?? null,
        now,
      })
      if (!own) {
        const what = body.pass_number
          ? `pass ${body.pass_number} for ${body.plate}`
          : `pass for ${body.plate}`
        throw badRequest(
          'plate_not_yours',
          `you hold no valid ${what}: report only your own vehicles`,
          [
            {
              field: body.pass_number ? 'pass_number' : 'plate',
              message: 'no valid pass of yours for this vehicle',
            },
          ],
        )
      }
      // A named booking is the firm's own, live, for this vehicle (and pass, when one is given).
      if (body.booking_id) {
        const booking = await findBooking(db, body.booking_id)
        if (
          !booking ||
          booking.enterprise_id !== principal.enterpriseId ||
          booking.status !== 'booked' ||
          booking.plate !== body.plate ||
          (body.pass_number && booking.pass_number !== body.pass_number)
        )
          throw badRequest(
            'unknown_booking',
            `you hold no live booking ${body.booking_id} for ${body.plate}`,
            [{ field: 'booking_id', message: 'no live booking of yours for this vehicle' }],
          )
      }
      const row: ArrivalReportRow = {
        id: crypto.randomUUID(),
        personal_erased_at: null,
        enterprise_id: principal.enterpriseId!,
        plate: body.plate,
        pass_number: body.pass_number ?? null,
        checkpoint_code: checkpoint.code,
        expected_from: from.toISOString(),
        expected_until: until.toISOString(),
        crew: JSON.stringify(await sealCrew(deps.config.DATA_KEY, body.crew)),
        reported_late: isReportedLate(now, from, deps.config.REPORT_LEAD_HOURS) ? 1 : 0,
        created_by: principal.accountId,
        created_at: now.toISOString(),
        arrived_at: null,
        arrived_loop_id: null,
        arrived_scan_id: null,
        booking_id: body.booking_id ?? null,
      }
      const view = reportView(row, now)
      await store.atomic([
        db.insertInto('arrival_reports').values(row),
        auditEntry(now, {
          actor: actorOf(principal),
          action: 'arrival_report.create',
          subject: `arrival_report:${row.id}`,
          after: view,
        }),
      ])
      return c.json(view, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/arrival-reports',
      tags: ['arrivals'],
      summary:
        'Expected arrivals: checkpoint staff their checkpoints’, coordinators all, an enterprise its own',
      description: `Each with its status: \`expected\`, \`arrived\`, \`overdue\` (window passed, not arrived) or \`no_show\` (${NO_SHOW_AFTER_HOURS} h past the window without arriving). Soonest window first.`,
      security: bearer,
      middleware: [allow('checkpoint', 'coordinator', 'enterprise')],
      request: { query: ListQuery },
      responses: { 200: pagedResponse(ArrivalReport, 'reports'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const q = c.req.valid('query')
      const now = deps.clock()
      if (
        principal.role === 'checkpoint' &&
        q.checkpoint &&
        !principal.checkpointCodes.includes(q.checkpoint)
      )
        throw forbidden('not one of your checkpoints')
      const matching = arrivalReportsQuery(db, {
        checkpoints: q.checkpoint
          ? [q.checkpoint]
          : principal.role === 'checkpoint'
            ? principal.checkpointCodes
            : undefined,
        enterpriseId:
          !isCoordinator(principal) && principal.role === 'enterprise'
            ? principal.enterpriseId!
            : undefined,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
        plate: q.plate,
        status: q.status,
        now,
      })
      const { rows, total } = await readPage(matching, q)
      return c.json(
        rows.map((r) => reportView(r, now)),
        200,
        pageHeaders(c, q, total),
      )
    },
  )

  return app
}
