import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { badRequest, conflict, notFound } from '../http/errors.ts'
import { pageHeaders, pageParams, pagedResponse, slicePage } from '../http/paging.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow, signedIn } from '../auth/middleware.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from '../auth/principal.ts'
import { abortUnless } from '../db/guard.ts'
import { sql } from 'kysely'
import { RegionCode } from '../regions/schemas.ts'
import { findRegion } from '../regions/regions.repository.ts'
import type { StationRow } from './stations.table.ts'
import { findStation, listStations } from './stations.repository.ts'
import { ReferenceCode } from './schemas.ts'
import { noticeStationClosed } from './station-board.repository.ts'

const OpeningHours = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'HH:MM-HH:MM, e.g. 06:00-22:00')

const StationBody = z
  .object({
    code: ReferenceCode,
    name: z.string().trim().min(2).max(100),
    region_code: RegionCode,
    address: z.string().trim().min(2).max(200),
    capacity_per_day: z.number().int().min(0).max(1_000_000),
    opening_hours: OpeningHours.default('00:00-24:00'),
    is_open: z.boolean().default(true),
    capacity_per_hour: z.number().int().min(0).max(100_000).nullable().optional(),
    closed_reason: z.string().trim().min(2).max(200).optional(),
  })
  .openapi('StationRequest')

const StationPatch = z
  .object({
    name: z.string().trim().min(2).max(100),
    address: z.string().trim().min(2).max(200),
    capacity_per_day: z.number().int().min(0).max(1_000_000),
    opening_hours: OpeningHours,
    is_open: z.boolean(),
    capacity_per_hour: z.number().int().min(0).max(100_000).nullable(),
    closed_reason: z.string().trim().min(2).max(200),
  })
  .partial()
  .openapi('StationUpdate')

const Station = z
  .object({
    code: z.string(),
    name: z.string(),
    region_code: z.string(),
    address: z.string(),
    capacity_per_day: z.number(),
    opening_hours: z.string(),
    is_open: z.boolean(),
    capacity_per_hour: z.number().nullable(),
    closed_reason: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('Station')

export const stationView = (row: StationRow) => ({
  ...row,
  is_open: row.is_open === 1,
  capacity_per_hour: row.capacity_per_hour ?? null,
  closed_reason: row.closed_reason ?? null,
})

const closedReasonRequired = () =>
  badRequest('closed_reason_required', 'closing a station needs a closed_reason', [
    { field: 'closed_reason', message: 'required when closing' },
  ])

export function stationRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()
  const find = (code: string) => findStation(store.db, code)

  app.openapi(
    createRoute({
      method: 'post',
      path: '/stations',
      tags: ['reference data'],
      summary: 'Add a transfer station (中转站)',
      description:
        'Coordinators. The region must exist (400 `unknown_region`); a code already used is 409 `station_exists`. Audited.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: jsonBody(StationBody),
      responses: { 201: jsonResponse(Station, 'created'), ...commonErrors },
    }),
    async (c) => {
      const body = c.req.valid('json')
      if (!(await findRegion(store.db, body.region_code))) {
        throw badRequest('unknown_region', `region ${body.region_code} does not exist`, [
          { field: 'region_code', message: 'no such region' },
        ])
      }
      if (await find(body.code))
        throw conflict('station_exists', `station ${body.code} already exists`)
      if (!body.is_open && !body.closed_reason) throw closedReasonRequired()
      const now = deps.clock()
      const row: StationRow = {
        ...body,
        is_open: body.is_open ? 1 : 0,
        capacity_per_hour: body.capacity_per_hour ?? null,
        closed_reason: body.is_open ? null : (body.closed_reason ?? null),
        created_at: now.toISOString(),
      }
      await store.atomic([
        abortUnless(
          sql`NOT EXISTS (SELECT 1 FROM stations WHERE code = ${row.code})`,
          'station_exists',
          'a station with this code already exists',
        ),
        store.db.insertInto('stations').values(row),
        auditEntry(now, {
          actor: actorOf(c.get('principal')),
          action: 'station.create',
          subject: `station:${row.code}`,
          after: stationView(row),
        }),
      ])
      return c.json(stationView(row), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/stations/{code}',
      tags: ['reference data'],
      summary: 'Change a station: open or close it, its hours or capacity',
      description:
        'Coordinators. Send only the fields to change (none: 400 `nothing_to_change`); 404 for an unknown code. Closing (`is_open: false`) needs a `closed_reason` (400 `closed_reason_required`), cleared on reopening; on closing, the live bookings still ahead get `notice: station_closed` in the same write. `capacity_per_hour` (null: the daily capacity spread over the opening hours) sets the slots. Audited.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: z.object({ code: ReferenceCode }), ...jsonBody(StationPatch) },
      responses: { 200: jsonResponse(Station, 'the station'), ...commonErrors },
    }),
    async (c) => {
      const { code } = c.req.valid('param')
      const patch = c.req.valid('json')
      const before = await find(code)
      if (!before) throw notFound(`station ${code}`)
      if (Object.values(patch).every((v) => v === undefined))
        throw badRequest('nothing_to_change', 'send at least one field to change')
      const changes = {
        ...patch,
        is_open: patch.is_open === undefined ? undefined : patch.is_open ? 1 : 0,
      }
      const after: StationRow = {
        ...before,
        ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)),
      }
      // Closing needs a reason (kept while closed); reopening clears it.
      if (after.is_open === 1) after.closed_reason = null
      else if (!after.closed_reason) throw closedReasonRequired()
      const closing = before.is_open === 1 && after.is_open === 0
      const now = deps.clock()
      await store.atomic([
        store.db.updateTable('stations').set(after).where('code', '=', code),
        // Live bookings still ahead are told in the same write (new ones are refused while closed).
        ...(closing ? [noticeStationClosed(code, now)] : []),
        auditEntry(now, {
          actor: actorOf(c.get('principal')),
          action: 'station.update',
          subject: `station:${code}`,
          before: stationView(before),
          after: stationView(after),
        }),
      ])
      return c.json(stationView(after), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations',
      tags: ['reference data'],
      summary: 'Transfer stations',
      description: 'Any signed-in role. Stations by code, filtered by `region` and `open`; paged.',
      security: bearer,
      middleware: [signedIn()],
      request: {
        query: z.object({
          region: RegionCode.optional(),
          open: z.enum(['true', 'false']).optional(),
          ...pageParams({ limit: 1000, max: 1000 }),
        }),
      },
      responses: { 200: pagedResponse(Station, 'stations by code'), ...commonErrors },
    }),
    async (c) => {
      const { region, open, ...page } = c.req.valid('query')
      // A few hundred at most: read whole and paged here, the count from the same rows.
      const all = await listStations(store.db, {
        region,
        open: open === undefined ? undefined : open === 'true',
      })
      const { rows, total } = slicePage(all, page)
      return c.json(rows.map(stationView), 200, pageHeaders(c, page, total))
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{code}',
      tags: ['reference data'],
      summary: 'One transfer station',
      description: 'Any signed-in role. 404 for an unknown code.',
      security: bearer,
      middleware: [signedIn()],
      request: { params: z.object({ code: ReferenceCode }) },
      responses: { 200: jsonResponse(Station, 'the station'), ...commonErrors },
    }),
    async (c) => {
      const station = await find(c.req.valid('param').code)
      if (!station) throw notFound('station')
      return c.json(stationView(station), 200)
    },
  )

  return app
}
