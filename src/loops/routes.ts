import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { badRequest, conflict, notFound } from '../http/errors.ts'
import { apiLanguage } from '../http/language.ts'
import { localiseError } from '../http/localise-error.ts'
import { pageHeaders, pageParams, pagedResponse } from '../http/paging.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { assertWorksAt, isCoordinator, type Principal } from '../auth/principal.ts'
import { ReferenceCode } from '../stations/schemas.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from '../auth/principal.ts'
import { abortUnless } from '../db/guard.ts'
import { Plate } from '../applications/schemas.ts'
import { EVENT_KINDS, LOOP_STATES } from './fold.ts'
import { EventResult, EventsBody } from './event-schemas.ts'
import { deviceAudit, ingestEvents } from './ingest-events.ts'
import {
  countLoops,
  eventView,
  findFirmLoop,
  findLoop,
  findOpenLoop,
  listLoopsQuery,
  loopEventPage,
  loopView,
  type LoopFilter,
} from './loops.repository.ts'
import { alertsOfLoop, alertView } from '../alerts/alerts.repository.ts'
import { AlertSchema } from '../alerts/alert-schema.ts'
import { settleLoop } from './loop-change.ts'
import { findLoopFor } from './involvement.ts'
import { recordCoordinatorEvent } from './coordinator-events.ts'
import { receiversOfLoop, receiverView } from './handover.ts'

const LoopSchema = z
  .object({
    id: z.string(),
    plate: z.string(),
    pass_number: z.string().nullable(),
    enterprise_id: z.string().nullable(),
    state: z.enum(LOOP_STATES),
    alerting: z.boolean(),
    entry_checkpoint_code: z.string(),
    last_checkpoint_code: z.string().nullable(),
    opened_at: z.string(),
    manual: z.boolean(),
    sampled_at: z.string().nullable(),
    pcr_result: z.string().nullable(),
    released_at: z.string().nullable(),
    release_deadline: z.string().nullable(),
    destination_code: z.string().nullable(),
    destination_arrived_at: z.string().nullable(),
    result_due_at: z.string().nullable(),
    result: z.enum(['pending', 'negative', 'positive']).nullable().openapi({
      description:
        'the PCR test: `pending` from sampling until a result counts, then `negative` or `positive`; null while nothing was sampled (on arrival, or let through on a checked certificate)',
    }),
    flagged_events: z.number(),
    closed_at: z.string().nullable(),
    closed_note: z.string().nullable(),
  })
  .openapi('Loop')

const EventSchema = z
  .object({
    id: z.string(),
    kind: z.enum(EVENT_KINDS),
    at: z.string(),
    checkpoint_code: z.string(),
    data: z.unknown(),
    recorded_by: z.string(),
    received_at: z.string(),
    flag: z
      .string()
      .nullable()
      .openapi({ description: 'why the event made no sense where it fell, if it did' }),
    late: z
      .boolean()
      .openapi({ description: 'its device time was more than 24 h before the server received it' }),
    corrected: z.boolean().optional().openapi({
      description:
        'a result withdrawn by a `result_corrected` event within a minute: it no longer counts',
    }),
    corrected_by: z
      .string()
      .nullable()
      .optional()
      .openapi({ description: 'the id of the `result_corrected` event that withdrew it' }),
  })
  .openapi('LoopEvent')

const LoopDetail = LoopSchema.extend({
  events: z
    .array(EventSchema)
    .openapi({ description: 'one page of events: `events_limit` from `events_offset`' }),
  events_total: z.number().openapi({ description: 'all the events of the loop' }),
  events_limit: z.number(),
  events_offset: z.number(),
  alerts: z.array(AlertSchema),
  receivers: z
    .array(
      z
        .object({
          plate: z.string(),
          pieces: z.number(),
          seal_number: z.string().nullable(),
          flag: z.string().nullable().openapi({
            description:
              '`receiver_open_loop`: the receiving vehicle had an open loop from a medium- or high-risk area',
          }),
          at: z.string().openapi({ description: 'the hand-over (device time)' }),
          event_id: z.string().openapi({ description: 'its `handed_over` event' }),
        })
        .openapi('HandoverReceiverView'),
    )
    .openapi({ description: 'every local vehicle the load was handed to, in hand-over order' }),
}).openapi('LoopDetail')

const EventPage = z.object({
  events_limit: z.coerce.number().int().min(1).max(200).default(100),
  events_offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
})

const ListQuery = z.object({
  state: z
    .enum([...LOOP_STATES, 'open', 'alerting'])
    .optional()
    .openapi({ description: 'a state, `open` (not closed) or `alerting`' }),
  checkpoint: z.string().max(32).optional().openapi({ description: 'entry or last checkpoint' }),
  plate: Plate.optional(),
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'opened at or after' }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'opened before' }),
  // Deeper than this, page with `before` (X-Next-Cursor): an offset reads every row it skips.
  ...pageParams({ limit: 100, max: 500, maxOffset: 10_000 }),
  before: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: 'cursor: the `opened_at|id` of the last loop of the previous page' }),
})

const ManualLoopBody = z
  .object({
    id: z.uuid().optional(),
    plate: Plate,
    checkpoint_code: ReferenceCode,
    note: z.string().trim().max(500).optional(),
  })
  .openapi('ManualLoopRequest')

const arrivalIdReused = (id: string) =>
  conflict(
    'id_reused',
    `event ${id} is already stored; the arrival event of a new loop needs a new id`,
  )

/** The unique key of `loop_events.id`, as better-sqlite3 and D1 both word it. */
const isEventIdTaken = (error: unknown) =>
  error instanceof Error && error.message.includes('UNIQUE constraint failed: loop_events.id')

const NoteBody = z.object({ note: z.string().trim().min(2).max(1000) }).openapi('NoteRequest')

/** How far ahead a coordinator may move a release deadline: a week covers any journey. */
const MAX_COORDINATOR_DEADLINE_MS = 7 * 24 * 3_600_000
const DeadlineBody = z
  .object({
    deadline: z.iso.datetime({ offset: true }),
    note: z.string().trim().min(2).max(1000),
  })
  .openapi('LoopDeadlineRequest')

/**
 * Which loops a caller lists: coordinators all, checkpoint staff those involving one of their
 * checkpoints, a firm the loops of its own passes.
 */
function listScope(principal: Principal): Pick<LoopFilter, 'involving' | 'enterpriseId'> {
  if (isCoordinator(principal)) return {}
  if (principal.role === 'enterprise') return { enterpriseId: principal.enterpriseId }
  return { involving: principal.checkpointCodes }
}

/** A loop the caller may read: a firm its own passes' loops; others as involvement.ts decides. */
async function readableLoop(deps: Deps, principal: Principal, id: string) {
  if (principal.role !== 'enterprise') return findLoopFor(deps, principal, id)
  const loop = await findFirmLoop(deps.store.db, principal.enterpriseId, id)
  // Another firm's loop answers as an unknown one: ids cannot be probed.
  if (!loop) throw notFound('loop')
  return loop
}

export function loopRoutes(deps: Deps) {
  const { store } = deps
  const db = store.db
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/loops',
      tags: ['loops'],
      summary: 'Loops, newest first, by state, checkpoint, plate and time',
      description:
        'Checkpoint staff, coordinators and enterprises. Checkpoint staff see only the loops that involve one of their checkpoints (entry, an event recorded there, or the release destination); an enterprise only the loops of its own passes.',
      security: bearer,
      middleware: [allow('checkpoint', 'coordinator', 'enterprise')],
      request: { query: ListQuery },
      responses: {
        200: pagedResponse(
          LoopSchema,
          'loops; `X-Next-Cursor` also names the next page, for `before`',
        ),
        ...commonErrors,
      },
    }),
    async (c) => {
      const q = c.req.valid('query')
      if (q.before) {
        const [openedAt, id] = q.before.split('|')
        if (!openedAt || !id)
          throw badRequest('invalid_cursor', 'before must be `opened_at|id`', [
            { field: 'before', message: 'bad cursor' },
          ])
      }
      const filter = { ...q, ...listScope(c.get('principal')!) }
      // The list walks its indexes newest first to the end of this page, and one loop further to
      // know whether more remain; only then are all the matches counted.
      const end = q.offset + q.limit
      const rows = await listLoopsQuery(db, { ...filter, limit: end }).execute()
      const page = rows.slice(q.offset, end)
      const more = rows.length > end
      const total = more ? await countLoops(db, filter) : rows.length
      const headers = pageHeaders(c, q, total)
      const last = page.at(-1)
      if (more && last) headers['X-Next-Cursor'] = `${last.opened_at}|${last.id}`
      return c.json(page.map(loopView), 200, headers)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/loops/{id}',
      tags: ['loops'],
      summary: 'One loop with a page of its events (device-time order) and its alerts',
      description:
        'Checkpoint staff, coordinators and enterprises. Checkpoint staff get 404 for a loop that involves none of their checkpoints, and an enterprise for a loop of another firm’s pass, as for an unknown loop.',
      security: bearer,
      middleware: [allow('checkpoint', 'coordinator', 'enterprise')],
      request: { params: z.object({ id: z.string().min(1).max(64) }), query: EventPage },
      responses: { 200: jsonResponse(LoopDetail, 'the loop'), ...commonErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const page = c.req.valid('query')
      let loop = await readableLoop(deps, c.get('principal')!, id)
      // Reading a loop also opens any alert that fell due since the last sweep.
      const now = deps.clock().toISOString()
      const due = (at: string | null) => at !== null && at < now
      if (
        loop.dirty ||
        (!loop.closed_at && (due(loop.result_due_at) || due(loop.destination_due_at)))
      ) {
        loop = (await settleLoop(deps, id))!.loop
      }
      const [{ events, total }, alerts, receivers] = await Promise.all([
        loopEventPage(db, id, { limit: page.events_limit, offset: page.events_offset }),
        alertsOfLoop(db, id),
        receiversOfLoop(db, id),
      ])
      return c.json(
        {
          ...loopView(loop),
          events: events.map(eventView),
          events_total: total,
          events_limit: page.events_limit,
          events_offset: page.events_offset,
          alerts: alerts.map(alertView),
          receivers: receivers.map(receiverView),
        },
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/loops',
      tags: ['loops'],
      summary: 'Open a loop by plate for a vehicle without a pass (verdict: control on site)',
      description:
        'Checkpoint staff, at one of their own checkpoints (else 403 `checkpoint_not_yours`). Opens a loop flagged manual with its `arrived` event and answers like an invalid scan: `reasons: ["no_pass"]`, `action: control_on_site`. A plate that already has an open loop is 409 `loop_open` (its `loop_id` in `details`); an optional event `id` already stored is 409 `id_reused`. Audited.',
      security: bearer,
      middleware: [allow('checkpoint')],
      request: jsonBody(ManualLoopBody),
      responses: {
        201: jsonResponse(
          z.object({
            verdict: z.literal('invalid'),
            reasons: z.array(z.string()),
            action: z.literal('control_on_site'),
            loop: LoopSchema,
          }),
          'opened',
        ),
        ...commonErrors,
      },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const device = c.get('device')
      const body = c.req.valid('json')
      assertWorksAt(principal, body.checkpoint_code)
      const checkpoint = await db
        .selectFrom('checkpoints')
        .select('code')
        .where('code', '=', body.checkpoint_code)
        .executeTakeFirst()
      if (!checkpoint)
        throw badRequest('unknown_checkpoint', `no checkpoint ${body.checkpoint_code}`)
      const open = await findOpenLoop(db, body.plate)
      if (open)
        throw conflict('loop_open', `vehicle ${body.plate} already has an open loop`, {
          loop_id: open.id,
        })
      if (
        body.id &&
        (await db
          .selectFrom('loop_events')
          .select('id')
          .where('id', '=', body.id)
          .executeTakeFirst())
      )
        throw arrivalIdReused(body.id)
      const now = deps.clock()
      const at = now.toISOString()
      const id = crypto.randomUUID()
      const actor = actorOf(principal)
      await store
        .atomic([
          abortUnless(
            sql`NOT EXISTS (SELECT 1 FROM loops WHERE plate = ${body.plate} AND closed_at IS NULL)`,
            'loop_open',
            'this vehicle already has an open loop',
          ),
          db.insertInto('loops').values({
            id,
            plate: body.plate,
            pass_number: null,
            enterprise_id: null,
            entry_checkpoint_code: checkpoint.code,
            opened_at: at,
            opened_by: actor,
            manual: 1,
            state: 'arrived',
            alerting: 0,
            flagged_events: 0,
            last_checkpoint_code: checkpoint.code,
            dirty: 1,
            updated_at: at,
          }),
          db.insertInto('loop_events').values({
            id: body.id ?? crypto.randomUUID(),
            loop_id: id,
            kind: 'arrived',
            at,
            checkpoint_code: checkpoint.code,
            data: JSON.stringify({ manual: true, note: body.note ?? null }),
            recorded_by: actor,
            received_at: at,
            device_id: device?.id ?? null,
            device_review: device?.review ?? null,
          }),
          auditEntry(now, {
            actor,
            action: 'loop.open_manual',
            subject: `loop:${id}`,
            after: {
              plate: body.plate,
              checkpoint: checkpoint.code,
              note: body.note ?? null,
              ...(device ? deviceAudit(device) : {}),
            },
          }),
        ])
        .catch((error: unknown) => {
          // Another request stored an event with this id between the check above and this write.
          throw body.id && isEventIdTaken(error) ? arrivalIdReused(body.id) : error
        })
      const loop = (await settleLoop(deps, id))!.loop
      return c.json(
        {
          verdict: 'invalid' as const,
          reasons: ['no_pass'],
          action: 'control_on_site' as const,
          loop: loopView(loop),
        },
        201,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/loops/{id}/close',
      tags: ['loops'],
      summary: 'Close a stale loop by hand, with a note (coordinator)',
      description:
        'Coordinators; an already closed loop is 409 `loop_closed`. Recorded as a `coordinator_closed` loop event dated after the loop’s latest event, and audited. Events dated after it are kept, flagged `loop_closed` and change nothing; a positive result after it still opens its alert.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: z.object({ id: z.string().min(1).max(64) }), ...jsonBody(NoteBody) },
      responses: { 200: jsonResponse(LoopSchema, 'the closed loop'), ...commonErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { note } = c.req.valid('json')
      const loop = await findLoop(db, id)
      if (!loop) throw notFound('loop')
      if (loop.closed_at) throw conflict('loop_closed', 'the loop is already closed')
      const now = deps.clock()
      const actor = actorOf(c.get('principal'))
      // A `coordinator_closed` event, so the loop follows from its events: anything dated after it
      // is flagged and changes nothing, while results still raise their alerts (fold.ts).
      // `closed_by` keeps the row closed whatever later events say (loopProjection).
      const closed = await recordCoordinatorEvent(
        deps,
        loop,
        { kind: 'coordinator_closed', data: { note }, actor },
        [
          abortUnless(
            sql`(SELECT closed_at FROM loops WHERE id = ${id}) IS NULL`,
            'loop_closed',
            'the loop is already closed',
          ),
          db.updateTable('loops').set({ closed_by: actor, closed_note: note }).where('id', '=', id),
          auditEntry(now, {
            actor,
            action: 'loop.close',
            subject: `loop:${id}`,
            before: { state: loop.state },
            after: { state: 'closed', note },
          }),
        ],
      )
      return c.json(loopView(closed), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/loops/{id}/deadline',
      tags: ['loops'],
      summary:
        'Set a released vehicle’s deadline to reach its destination (coordinator, with a note)',
      description:
        'Devices may set a release deadline at most MAX_RELEASE_DEADLINE_HOURS after the release; a coordinator may set any time in the next 7 days. Recorded as a `deadline_set` loop event and audited; a missed new deadline opens a new `destination_overdue` alert.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: z.object({ id: z.string().min(1).max(64) }), ...jsonBody(DeadlineBody) },
      responses: {
        200: jsonResponse(LoopSchema, 'the loop with its new deadline'),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { deadline, note } = c.req.valid('json')
      const loop = await findLoop(db, id)
      if (!loop) throw notFound('loop')
      if (loop.closed_at) throw conflict('loop_closed', 'the loop is already closed')
      if (!loop.released_at)
        throw conflict(
          'not_released',
          'the vehicle has not been released: there is no deadline to move',
        )
      const now = deps.clock()
      const at = Date.parse(deadline)
      if (at <= now.getTime())
        throw badRequest('deadline_in_past', 'the deadline must lie ahead', [
          { field: 'deadline', message: 'must lie ahead' },
        ])
      if (at > now.getTime() + MAX_COORDINATOR_DEADLINE_MS)
        throw badRequest('deadline_too_far', 'the deadline may lie at most 7 days ahead', [
          { field: 'deadline', message: 'at most 7 days ahead' },
        ])
      const actor = actorOf(c.get('principal'))
      const iso = new Date(at).toISOString()
      const updated = await recordCoordinatorEvent(
        deps,
        loop,
        { kind: 'deadline_set', data: { deadline: iso, note }, actor },
        [
          abortUnless(
            sql`(SELECT closed_at FROM loops WHERE id = ${id}) IS NULL`,
            'loop_closed',
            'the loop is already closed',
          ),
          auditEntry(now, {
            actor,
            action: 'loop.deadline',
            subject: `loop:${id}`,
            before: { deadline: loop.release_deadline },
            after: { deadline: iso, note },
          }),
        ],
      )
      return c.json(loopView(updated), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/events',
      tags: ['loops'],
      summary: 'Upload loop events (up to 500), each idempotent by its UUID',
      description:
        'Checkpoint staff, for their own checkpoints. Events may come late and out of order from offline devices; they are applied in device-time order. Each gets its own result: `accepted` (with `flag` if it made no sense where it fell: kept, never dropped), `duplicate` or `rejected`. Signed by an enrolled scanner, every event records that device, with the same device checks as POST /api/v1/scans (a batch with an event at a checkpoint the device is not enrolled at is refused whole).',
      security: bearer,
      middleware: [allow('checkpoint')],
      request: jsonBody(EventsBody),
      responses: {
        200: jsonResponse(
          z.object({ results: z.array(EventResult) }),
          'one result per event, in order',
        ),
        ...commonErrors,
      },
    }),
    async (c) => {
      const results = await ingestEvents(
        deps,
        c.get('principal')!,
        c.req.valid('json').events,
        c.get('device'),
      )
      // A rejected event's message in the reader's language, like any error (codes unchanged).
      const lang = apiLanguage(c.req.header('accept-language'))
      c.header('Vary', 'Accept-Language', { append: true })
      return c.json(
        {
          results: results.map((r) =>
            r.error
              ? {
                  ...r,
                  error: {
                    code: r.error.code,
                    message: localiseError(lang, r.error.code, r.error.message).message,
                  },
                }
              : r,
          ),
        },
        200,
      )
    },
  )

  return app
}
