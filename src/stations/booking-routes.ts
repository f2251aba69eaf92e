import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { ApiError, badRequest, conflict, notFound } from '../http/errors.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow, signedIn } from '../auth/middleware.ts'
import { actorOf, isCoordinator, type Principal } from '../auth/principal.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { abortUnless, GuardFailed } from '../db/guard.ts'
import { ReferenceCode } from './schemas.ts'
import { findStation } from './stations.repository.ts'
import type { StationRow } from './stations.table.ts'
import type { BookingRow } from './bookings.table.ts'
import { chinaDate, outsideValidity, type Slot } from './slots.ts'
import {
  bookingsOfEnterprise,
  bookingsOfStationDay,
  bookingView,
  findBooking,
  findSlot,
  liveBookingOfPass,
  passToBook,
  nextFree,
  slotsWithBookings,
} from './bookings.repository.ts'
import { Booking, BookingBody, BookingMoveBody, ChinaDay, SlotView } from './booking-schemas.ts'

const CodeParam = z.object({ code: ReferenceCode })
const IdParam = z.object({ id: z.string().min(1).max(64) })

/** The guard that keeps a slot within its capacity, counted when the write runs. */
const roomIn = (stationCode: string, slot: Slot) =>
  abortUnless(
    sql`(SELECT COUNT(*) FROM station_bookings WHERE station_code = ${stationCode} AND starts_at = ${slot.starts_at} AND status IN ('booked', 'arrived')) < ${slot.capacity}`,
    'slot_full',
    `the slot at ${slot.starts_at} is full`,
  )

/**
 * Arrival slots at transfer stations and the bookings firms make in them (issue 20): one hour for
 * one pass bound for the station, within the slot's capacity even under concurrent requests (the
 * count is a guard inside the write).
 */
export function bookingRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()

  async function station(code: string): Promise<StationRow> {
    const row = await findStation(store.db, code)
    if (!row) throw notFound('station')
    return row
  }

  async function slotFull(row: StationRow, slot: Slot): Promise<ApiError> {
    const next = await nextFree(store.db, row, deps.clock())
    return conflict('slot_full', `the slot at ${slot.starts_at} is full`, {
      next_free: next,
    })
  }

  /** The station's slot starting at `startsAt`, open and still to come. */
  function bookableSlot(row: StationRow, startsAt: string, now: Date): Slot {
    if (row.is_open !== 1) throw conflict('station_closed', `station ${row.code} is closed`)
    const slot = findSlot(row, startsAt)
    if (!slot)
      throw badRequest('not_a_slot', `${startsAt} is not the start of a slot at ${row.code}`, [
        { field: 'starts_at', message: 'not the start of a slot' },
      ])
    if (Date.parse(slot.starts_at) <= now.getTime())
      throw conflict('slot_started', `the slot at ${slot.starts_at} has started`)
    return slot
  }

  /** 409 `slot_outside_validity`: a slot that starts before the pass is valid or ends after. */
  function withinValidity(
    slot: Slot,
    pass: { number: string; valid_from: string; valid_until: string },
  ) {
    if (outsideValidity(slot, pass.valid_from, pass.valid_until))
      throw conflict(
        'slot_outside_validity',
        `the slot at ${slot.starts_at} is not inside the validity of pass ${pass.number}`,
      )
  }

  async function ownBooking(principal: Principal, id: string): Promise<BookingRow> {
    const row = await findBooking(store.db, id)
    if (!row || row.enterprise_id !== principal.enterpriseId) throw notFound('booking')
    return row
  }

  /** A booking the firm may still move or cancel: live, its slot not started. */
  function changeable(row: BookingRow, now: Date) {
    if (row.status !== 'booked')
      throw conflict('booking_not_live', `the booking is already ${row.status}`)
    if (Date.parse(row.starts_at) <= now.getTime())
      throw conflict('slot_started', `the slot at ${row.starts_at} has started`)
  }

  const stillAsRead = (row: BookingRow) =>
    abortUnless(
      sql`EXISTS (SELECT 1 FROM station_bookings WHERE id = ${row.id} AND status = 'booked' AND starts_at = ${row.starts_at})`,
      'booking_changed',
      'the booking changed meanwhile; read it again',
    )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{code}/slots',
      tags: ['stations'],
      summary: 'A station’s arrival slots on one day',
      description:
        'Any signed-in role. The hourly slots of one China-time day (`date`, default today) with their capacity and how many bookings (booked or arrived) each holds. 404 for an unknown station.',
      security: bearer,
      middleware: [signedIn()],
      request: { params: CodeParam, query: z.object({ date: ChinaDay.optional() }) },
      responses: {
        200: jsonResponse(z.array(SlotView), 'the slots in time order'),
        ...commonErrors,
      },
    }),
    async (c) => {
      const row = await station(c.req.valid('param').code)
      const date = c.req.valid('query').date ?? chinaDate(deps.clock())
      return c.json(await slotsWithBookings(store.db, row, date), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/stations/{code}/bookings',
      tags: ['stations'],
      summary: 'Book an arrival slot for a pass',
      description:
        'Enterprise accounts, for their own pass (another firm’s: 404). The pass must be active (409 `pass_not_active`) and bound for this station (409 `booking_wrong_station`); the station open (409 `station_closed`); `starts_at` a slot start (400 `not_a_slot`) still to come (409 `slot_started`) and inside the pass’s validity (409 `slot_outside_validity`). One live booking per pass (409 `already_booked`, `details.booking_id`: move that one). A full slot is 409 `slot_full` with `details.next_free`: up to three slots with room. Audited (`booking.create`).',
      security: bearer,
      middleware: [allow('enterprise')],
      request: { params: CodeParam, ...jsonBody(BookingBody) },
      responses: { 201: jsonResponse(Booking, 'the booking'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const row = await station(c.req.valid('param').code)
      const body = c.req.valid('json')
      const now = deps.clock()
      const pass = await passToBook(store.db, body.pass_number)
      if (!pass || pass.enterprise_id !== principal.enterpriseId) throw notFound('pass')
      const status =
        pass.status === 'active' && Date.parse(pass.valid_until) < now.getTime()
          ? 'expired'
          : pass.status
      if (status !== 'active') throw conflict('pass_not_active', `the pass is already ${status}`)
      if (pass.destination_station_code !== row.code)
        throw conflict(
          'booking_wrong_station',
          `pass ${pass.number} is not bound for station ${row.code}`,
        )
      const slot = bookableSlot(row, new Date(body.starts_at).toISOString(), now)
      withinValidity(slot, pass)
      const existing = await liveBookingOfPass(store.db, pass.number)
      if (existing) throw alreadyBooked(existing)
      const at = now.toISOString()
      const booking: BookingRow = {
        id: crypto.randomUUID(),
        station_code: row.code,
        pass_number: pass.number,
        enterprise_id: pass.enterprise_id,
        plate: pass.plate,
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        status: 'booked',
        notice: null,
        arrived_at: null,
        loop_id: null,
        created_by: principal.accountId,
        created_at: at,
        updated_at: at,
      }
      try {
        await store.atomic([
          roomIn(row.code, slot),
          abortUnless(
            sql`NOT EXISTS (SELECT 1 FROM station_bookings WHERE pass_number = ${pass.number} AND status = 'booked')`,
            'already_booked',
            `pass ${pass.number} already has a booking`,
          ),
          store.db.insertInto('station_bookings').values(booking),
          auditEntry(now, {
            actor: actorOf(principal),
            action: 'booking.create',
            subject: `booking:${booking.id}`,
            after: bookingView(booking),
          }),
        ])
      } catch (error) {
        if (!(error instanceof GuardFailed)) throw error
        // One guard speaks for both: read the facts again for the precise answer.
        const raced = await liveBookingOfPass(store.db, pass.number)
        if (raced) throw alreadyBooked(raced)
        throw await slotFull(row, slot)
      }
      return c.json(bookingView(booking), 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/stations/{code}/bookings',
      tags: ['stations'],
      summary: 'A station’s bookings on one day',
      description:
        'Coordinators, and checkpoint staff of a checkpoint at this station (others: 403 `checkpoint_not_yours`). The bookings whose slot starts on one China-time day (`date`, default today), in time order, every status.',
      security: bearer,
      middleware: [allow('coordinator', 'checkpoint')],
      request: { params: CodeParam, query: z.object({ date: ChinaDay.optional() }) },
      responses: {
        200: jsonResponse(z.array(Booking), 'the day’s bookings in time order'),
        ...commonErrors,
      },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const row = await station(c.req.valid('param').code)
      if (!isCoordinator(principal)) {
        const here = await store.db
          .selectFrom('checkpoints')
          .select('code')
          .where('station_code', '=', row.code)
          .execute()
        if (!here.some((cp) => principal.checkpointCodes.includes(cp.code)))
          throw new ApiError(
            403,
            'checkpoint_not_yours',
            `your account does not work at station ${row.code}`,
          )
      }
      const date = c.req.valid('query').date ?? chinaDate(deps.clock())
      const rows = await bookingsOfStationDay(store.db, row.code, date)
      return c.json(rows.map(bookingView), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/bookings',
      tags: ['stations'],
      summary: 'The firm’s slot bookings',
      description:
        'Enterprise accounts: their own firm’s bookings (up to 500), those still to come first (soonest first), then past ones (latest first); `pass_number` narrows to one pass.',
      security: bearer,
      middleware: [allow('enterprise')],
      request: { query: z.object({ pass_number: z.string().min(1).max(40).optional() }) },
      responses: { 200: jsonResponse(z.array(Booking), 'the firm’s bookings'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const rows = await bookingsOfEnterprise(
        store.db,
        principal.enterpriseId!,
        deps.clock(),
        c.req.valid('query'),
      )
      return c.json(rows.map(bookingView), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/bookings/{id}',
      tags: ['stations'],
      summary: 'Move a booking to another slot',
      description:
        'The owning firm (another firm’s: 404), while the booking is live (409 `booking_not_live`) and its slot has not started (409 `slot_started`). The new slot as when booking: 400 `not_a_slot`, 409 `slot_started`, `station_closed`, `slot_outside_validity`, `slot_full` (with `details.next_free`). Audited (`booking.move`).',
      security: bearer,
      middleware: [allow('enterprise')],
      request: { params: IdParam, ...jsonBody(BookingMoveBody) },
      responses: { 200: jsonResponse(Booking, 'the moved booking'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const before = await ownBooking(principal, c.req.valid('param').id)
      const now = deps.clock()
      changeable(before, now)
      const row = await station(before.station_code)
      const slot = bookableSlot(row, new Date(c.req.valid('json').starts_at).toISOString(), now)
      if (slot.starts_at === before.starts_at) return c.json(bookingView(before), 200)
      const pass = await passToBook(store.db, before.pass_number)
      if (pass) withinValidity(slot, pass)
      const after: BookingRow = {
        ...before,
        starts_at: slot.starts_at,
        ends_at: slot.ends_at,
        notice: null,
        updated_at: now.toISOString(),
      }
      try {
        await store.atomic([
          roomIn(row.code, slot),
          stillAsRead(before),
          store.db
            .updateTable('station_bookings')
            .set({
              starts_at: after.starts_at,
              ends_at: after.ends_at,
              notice: null,
              updated_at: after.updated_at,
            })
            .where('id', '=', before.id),
          auditEntry(now, {
            actor: actorOf(principal),
            action: 'booking.move',
            subject: `booking:${before.id}`,
            before: bookingView(before),
            after: bookingView(after),
          }),
        ])
      } catch (error) {
        if (!(error instanceof GuardFailed)) throw error
        const current = await findBooking(store.db, before.id)
        if (current?.status !== 'booked' || current.starts_at !== before.starts_at)
          throw conflict('booking_changed', 'the booking changed meanwhile; read it again')
        throw await slotFull(row, slot)
      }
      return c.json(bookingView(after), 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/bookings/{id}/cancel',
      tags: ['stations'],
      summary: 'Cancel a booking',
      description:
        'The owning firm (another firm’s: 404), while the booking is live (409 `booking_not_live`) and its slot has not started (409 `slot_started`); the place is free again at once. Audited (`booking.cancel`).',
      security: bearer,
      middleware: [allow('enterprise')],
      request: { params: IdParam },
      responses: { 200: jsonResponse(Booking, 'the cancelled booking'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const before = await ownBooking(principal, c.req.valid('param').id)
      const now = deps.clock()
      changeable(before, now)
      const after: BookingRow = { ...before, status: 'cancelled', updated_at: now.toISOString() }
      await store.atomic([
        stillAsRead(before),
        store.db
          .updateTable('station_bookings')
          .set({ status: 'cancelled', updated_at: after.updated_at })
          .where('id', '=', before.id),
        auditEntry(now, {
          actor: actorOf(principal),
          action: 'booking.cancel',
          subject: `booking:${before.id}`,
          before: bookingView(before),
          after: bookingView(after),
        }),
      ])
      return c.json(bookingView(after), 200)
    },
  )

  return app
}

const alreadyBooked = (existing: BookingRow) =>
  conflict('already_booked', `pass ${existing.pass_number} already has a booking`, {
    booking_id: existing.id,
  })
