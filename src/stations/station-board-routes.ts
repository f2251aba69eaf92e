import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { bearer, commonErrors, createRouter, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { isCoordinator, type Principal } from '../auth/principal.ts'
import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { ReferenceCode } from './schemas.ts'
import { findStation } from './stations.repository.ts'
import type { StationRow } from './stations.table.ts'
import { chinaDate } from './slots.ts'
import { dayBounds, stationBoard, stationLoad } from './station-board.ts'
import {
  bookingsBetween,
  stationEventsBetween,
  worksAtStation,
} from './station-board.repository.ts'

const DAY = 24 * 3_600_000
/** Trucks that came this long before the day and are still there count as present. */
const PRESENT_LOOKBACK_MS = 2 * DAY

const Truck = z.object({
  loop_id: z.string(),
  plate: z.string(),
  pass_number: z.string().nullable(),
  arrived_at: z.string(),
  left_at: z.string().nullable(),
  booking_id: z.string().nullable(),
})

const Board = z
  .object({
    station_code: z.string(),
    station_name: z.string(),
    is_open: z.boolean(),
    closed_reason: z.string().nullable(),
    date: z.string(),
    expected: z.array(
      z.object({
        booking_id: z.string(),
        pass_number: z.string(),
        plate: z.string(),
        starts_at: z.string(),
        ends_at: z.string(),
        overdue: z.boolean(),
        notice: z.string().nullable(),
      }),
    ),
    present: z.array(Truck),
    handed_over: z.array(Truck),
    departed: z.array(Truck),
    unbooked_arrivals: z.number(),
    hours: z.array(
      z.object({
        starts_at: z.string(),
        ends_at: z.string(),
        capacity: z.number(),
        booked: z.number(),
        arrived: z.number(),
      }),
    ),
  })
  .openapi('StationBoard')

const Load = z
  .object({
    station_code: z.string(),
    days: z.array(
      z.object({
        date: z.string(),
        capacity: z.number(),
        booked: z.number(),
        arrived: z.number(),
        occupancy: z.number().nullable(),
        average_dwell_minutes: z.number().nullable(),
        late: z.number(),
        no_show: z.number(),
      }),
    ),
  })
  .openapi('StationLoad')

const DateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)), 'not a date')

/** Coordinators; a checkpoint account only at one of the station's checkpoints. */
export async function assertSeesStation(
  db: Kysely<Database>,
  principal: Principal,
  code: string,
): Promise<void> {
  if (isCoordinator(principal)) return
  if (!(await worksAtStation(db, principal.checkpointCodes, code)))
    throw new ApiError(403, 'station_not_yours', `your account does not work at station ${code}`)
}

/** The board of one China-time day at a station, as the route answers it. */
export async function readStationBoard(deps: Deps, station: StationRow, date: string) {
  const db = deps.store.db
  const { from, to } = dayBounds(date)
  const lookback = new Date(Date.parse(from) - PRESENT_LOOKBACK_MS).toISOString()
  const [bookings, events] = await Promise.all([
    bookingsBetween(db, station.code, from, to),
    stationEventsBetween(db, station.code, lookback, to),
  ])
  return {
    station_code: station.code,
    station_name: station.name,
    is_open: station.is_open === 1,
    closed_reason: station.closed_reason ?? null,
    ...stationBoard({ date, station, bookings, events, now: deps.clock() }),
  }
}

/** A station's load for the `days` China-time days ending today. */
export async function readStationLoad(deps: Deps, station: StationRow, days: number) {
  const now = deps.clock()
  const today = chinaDate(now)
  const todayStart = Date.parse(dayBounds(today).from)
  const dates = Array.from({ length: days }, (_, i) =>
    chinaDate(new Date(todayStart + (i - days + 1) * DAY + 12 * 3_600_000)),
  )
  const from = dayBounds(dates[0]).from
  const to = dayBounds(today).to
  const db = deps.store.db
  const [bookings, events] = await Promise.all([
    bookingsBetween(db, station.code, from, to),
    stationEventsBetween(db, station.code, from, to),
  ])
  return {
    station_code: station.code,
    days: stationLoad({ dates, station, bookings, events, now }),
  }
}

export function stationBoardRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{code}/board',
      tags: ['reference data'],
      summary: 'A transfer station’s board: expected, present, handed over, departed',
      description:
        'Coordinators, and checkpoint accounts working at one of the station’s checkpoints (else 403 `station_not_yours`). For one China-time day (`date`, default today): the bookings not yet arrived (`expected`, `overdue` once the slot ended), the trucks present (arrived at the station’s checkpoint, not yet handed over or departed, including those that came the two days before), handed over and departed that day, arrivals without a booking, and the hour-by-hour load (booked and arrived against capacity).',
      security: bearer,
      middleware: [allow('coordinator', 'checkpoint')],
      request: {
        params: z.object({ code: ReferenceCode }),
        query: z.object({ date: DateParam.optional() }),
      },
      responses: { 200: jsonResponse(Board, 'the board'), ...commonErrors },
    }),
    async (c) => {
      const { code } = c.req.valid('param')
      const { date } = c.req.valid('query')
      const station = await findStation(store.db, code)
      if (!station) throw notFound('station')
      await assertSeesStation(store.db, c.get('principal')!, code)
      return c.json(await readStationBoard(deps, station, date ?? chinaDate(deps.clock())), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{code}/load',
      tags: ['reference data'],
      summary: 'A transfer station’s load day by day',
      description:
        'Coordinators. For the `days` China-time days ending today (default 7, at most 31): capacity, bookings and arrivals, occupancy (arrivals / capacity), the mean dwell from arrival to hand-over or departure, late arrivals against their booking and no-shows (bookings whose slot ended without the truck).',
      security: bearer,
      middleware: [allow('coordinator')],
      request: {
        params: z.object({ code: ReferenceCode }),
        query: z.object({ days: z.coerce.number().int().min(1).max(31).default(7) }),
      },
      responses: { 200: jsonResponse(Load, 'the load by day'), ...commonErrors },
    }),
    async (c) => {
      const { code } = c.req.valid('param')
      const { days } = c.req.valid('query')
      const station = await findStation(store.db, code)
      if (!station) throw notFound('station')
      return c.json(await readStationLoad(deps, station, days), 200)
    },
  )

  return app
}
