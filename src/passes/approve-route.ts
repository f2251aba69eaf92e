import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { emptyBodyAsEmptyObject } from '../http/optional-json-body.ts'
import { conflict, notFound } from '../http/errors.ts'
import { bearer, commonErrors, createRouter, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { actorOf } from '../auth/principal.ts'
import { findEnterprise } from '../enterprises/enterprises.repository.ts'
import { findApplication } from '../applications/applications.repository.ts'
import { checkDestination } from '../applications/destination-check.ts'
import { ApproveBody } from '../applications/schemas.ts'
import { issuePass, type ArrivalBooking } from './issue-pass.ts'
import { PassSchema } from './schemas.ts'
import { passView } from './passes.repository.ts'
import type { ApplicationRow } from '../applications/applications.table.ts'
import { Booking } from '../stations/booking-schemas.ts'
import { bookingView, findBooking, findSlot } from '../stations/bookings.repository.ts'
import { findStation } from '../stations/stations.repository.ts'

/** The approve answer: the pass, and the booking made for the slot the application asked for. */
const ApprovedPass = PassSchema.extend({
  booking: Booking.nullable().optional().openapi({
    description:
      'present when the application asked for an arrival slot: the booking made for it, or null when the slot was full, had started or the station closed (the firm books again on the pass page)',
  }),
}).openapi('ApprovedPass')

const IdParam = z.object({ id: z.string().min(1).max(64) })

/**
 * A coordinator approves an application: this issues its pass (issue-pass.ts), so the route lives
 * with the passes; the application's own routes (apply, list, reject, withdraw) stay in applications/.
 */
export function approveRoute(deps: Deps) {
  const { store } = deps
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/applications/{id}/approve',
      tags: ['passes'],
      summary: 'Approve: issues the pass and supersedes the vehicle’s current one',
      description:
        'Coordinators. Only a `submitted` application (else 409 `application_not_submitted`). The new pass supersedes the plate’s current passes that its window overlaps, if it starts now (within the clock skew). ' +
        'One that starts later and overlaps a current pass is refused (409 `overlaps_current_pass`). ' +
        'A valid pass of another enterprise is superseded only with `confirm_other_firm: true` and a `note` (else 409 `plate_held_by_other_firm`). ' +
        'When the application asked for an arrival slot (`arrival_slot`), it is booked for the new pass in the same write if it still has room (audited `booking.create`), and the answer adds `booking`; a full or started slot never blocks the approval (`booking: null`). ' +
        'The body is optional.',
      security: bearer,
      middleware: [allow('coordinator'), emptyBodyAsEmptyObject()],
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: ApproveBody } }, required: false },
      },
      responses: { 201: jsonResponse(ApprovedPass, 'the new pass'), ...commonErrors },
    }),
    async (c) => {
      // Without a JSON body the validator hands over `{}` unparsed: read it as "no override".
      const choice: ApproveBody = c.req.valid('json') ?? {}
      const application = await findApplication(store.db, c.req.valid('param').id)
      if (!application) throw notFound('application')
      if (application.status !== 'submitted')
        throw conflict('application_not_submitted', `the application is ${application.status}`)
      const enterprise = await findEnterprise(store.db, application.enterprise_id)
      if (enterprise?.whitelist_status !== 'active') {
        throw conflict(
          'enterprise_not_whitelisted',
          'the enterprise is no longer active on the whitelist',
        )
      }
      if (new Date(application.valid_until).getTime() <= deps.clock().getTime()) {
        throw conflict(
          'application_expired',
          'the validity asked for has already ended; the enterprise must apply again',
        )
      }
      await checkDestination(store.db, application)
      if (application.destination_station_code) {
        const station = await store.db
          .selectFrom('stations')
          .select('is_open')
          .where('code', '=', application.destination_station_code)
          .executeTakeFirst()
        if (!station?.is_open)
          throw conflict(
            'station_closed',
            `station ${application.destination_station_code} is closed`,
          )
      }
      const principal = c.get('principal')!
      const arrival = await arrivalBooking(application, principal.accountId)
      const pass = await issuePass(deps, application, actorOf(principal), {
        confirmOtherFirm: choice.confirm_other_firm === true,
        note: choice.note ?? null,
        arrival,
      })
      const shown = passView(pass, deps.clock(), application.crew)
      if (!application.arrival_slot) return c.json(shown, 201)
      const booking = arrival ? await findBooking(store.db, arrival.id) : undefined
      return c.json({ ...shown, booking: booking ? bookingView(booking) : null }, 201)
    },
  )

  /** The slot the application asked for, if it is still a slot to come (its room is counted in the write). */
  async function arrivalBooking(
    application: ApplicationRow,
    accountId: string,
  ): Promise<ArrivalBooking | undefined> {
    if (!application.arrival_slot || !application.destination_station_code) return undefined
    const station = await findStation(store.db, application.destination_station_code)
    if (!station) return undefined
    const slot = findSlot(station, application.arrival_slot)
    if (!slot || Date.parse(slot.starts_at) <= deps.clock().getTime()) return undefined
    return { id: crypto.randomUUID(), stationCode: station.code, slot, accountId }
  }

  return app
}
