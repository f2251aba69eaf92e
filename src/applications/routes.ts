import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { badRequest, conflict, notFound } from '../http/errors.ts'
import { pageHeaders, pageParams, pagedResponse, readPage } from '../http/paging.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow, signedIn } from '../auth/middleware.ts'
import { isCoordinator, type Principal } from '../auth/principal.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { abortUnless } from '../db/guard.ts'
import { actorOf } from '../auth/principal.ts'
import { findEnterprise } from '../enterprises/enterprises.repository.ts'
import { APPLICATION_STATUSES, type ApplicationRow } from './applications.table.ts'
import { applicationView, applicationsQuery, findApplication } from './applications.repository.ts'
import { ERASED_CREW } from '../vehicles/crew.ts'
import { findOwnVehicle } from '../vehicles/vehicles.repository.ts'
import {
  prepareApplication,
  stillWhitelisted,
  submissionWrites,
  type ApplicationInput,
  type SavedCrewInput,
} from './prepare-application.ts'
import { Application, ApplicationSubmission, RejectBody, RejectionReason } from './schemas.ts'
import { rejectionReasonList, type RejectionCode } from './rejection-reasons.ts'

const IdParam = z.object({ id: z.string().min(1).max(64) })

export function applicationRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()
  const view = (row: ApplicationRow) =>
    applicationView(row, deps.clock(), deps.config.APPROVAL_TARGET_HOURS)

  /** The application, if the caller may see it: coordinators all, an enterprise its own (else 404). */
  async function visibleApplication(principal: Principal, id: string): Promise<ApplicationRow> {
    const row = await findApplication(store.db, id)
    if (!row || (!isCoordinator(principal) && row.enterprise_id !== principal.enterpriseId))
      throw notFound('application')
    return row
  }

  /**
   * The application's fields, from the body and, with `vehicle_id`, the firm's kept vehicle: its
   * plate, and its sealed crew unless the body gives one for this application.
   */
  async function applicationInput(
    enterpriseId: string,
    body: z.output<typeof ApplicationSubmission>,
  ): Promise<ApplicationInput | SavedCrewInput> {
    const { vehicle_id: vehicleId, plate, crew, ...rest } = body
    // Without a vehicle, the schema has made sure of both.
    if (vehicleId === undefined) return { ...rest, plate: plate!, crew: crew! }
    const vehicle = await findOwnVehicle(store.db, enterpriseId, vehicleId)
    if (!vehicle)
      throw badRequest('unknown_vehicle', 'vehicle_id names none of your kept vehicles', [
        { field: 'vehicle_id', message: 'none of your kept vehicles' },
      ])
    if (plate !== undefined && plate !== vehicle.plate)
      throw badRequest(
        'vehicle_plate_mismatch',
        `plate ${plate} is not the kept vehicle’s plate ${vehicle.plate}`,
        [{ field: 'plate', message: `not the kept vehicle’s plate ${vehicle.plate}` }],
      )
    if (crew) return { ...rest, plate: vehicle.plate, crew }
    // A kept crew emptied by a subject's erasure request: there is nobody to copy.
    if (vehicle.crew === ERASED_CREW)
      throw badRequest('vehicle_crew_empty', 'the kept vehicle has no crew: give `crew`', [
        { field: 'crew', message: 'the kept vehicle has no crew' },
      ])
    return { ...rest, plate: vehicle.plate, sealedCrew: vehicle.crew }
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/applications',
      tags: ['passes'],
      summary: 'Apply for a pass for one vehicle on one route (enterprise on the active whitelist)',
      description:
        'Enterprise accounts of a firm `active` on the whitelist (else 409 `enterprise_not_whitelisted`). Starts `submitted`, for a coordinator to approve or reject. Refused: a validity window too long or too far ahead (400 `invalid_validity`); an unknown region or station (400 `unknown_region`, `unknown_station`); a closed station (409 `station_closed`); a `high`-risk origin not bound for a transfer station (409 `transfer_station_required`); a window that starts later yet overlaps the vehicle’s current pass (409 `overlaps_current_pass`). With `vehicle_id` (one of the firm’s kept vehicles, else 400 `unknown_vehicle`), `plate` and `crew` may be left out: the vehicle’s plate and its saved crew are used; a `crew` given replaces the saved one for this application only; a `plate` other than the vehicle’s is 400 `vehicle_plate_mismatch`. An optional `arrival_slot` (transfer stations only, else 400 `not_a_slot`) must be one of the station’s slot starts (400 `not_a_slot`), still to come (409 `slot_started`) and inside the validity window (409 `slot_outside_validity`); it is booked for the pass on approval if it still has room.',
      security: bearer,
      middleware: [allow('enterprise')],
      request: jsonBody(ApplicationSubmission),
      responses: { 201: jsonResponse(Application, 'submitted'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const body = c.req.valid('json')
      const now = deps.clock()
      const enterprise = await findEnterprise(store.db, principal.enterpriseId!)
      if (!enterprise || enterprise.whitelist_status !== 'active') {
        throw conflict(
          'enterprise_not_whitelisted',
          'only an enterprise active on the whitelist may apply for passes',
        )
      }
      const { arrival_slot: arrivalSlot, ...fields } = body
      const row = await prepareApplication(
        deps,
        { enterpriseId: enterprise.id, accountId: principal.accountId },
        await applicationInput(enterprise.id, fields),
        now,
        arrivalSlot,
      )
      const shown = view(row)
      await store.atomic([
        stillWhitelisted(enterprise.id),
        ...submissionWrites(deps, row, actorOf(principal), shown, now),
      ])
      return c.json(shown, 201)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/applications',
      tags: ['passes'],
      summary:
        'Applications: all for coordinators, its own for an enterprise; newest first, `status=submitted` oldest first',
      description:
        'Coordinators see every firm’s (optionally one `enterprise_id`), an enterprise account only its own; filtered by `status`; crew ID numbers and phones masked; paged. Newest first, except `status=submitted`: the queue, oldest first. Each says how long it has waited (`waiting_seconds`) and, while submitted, whether it is past APPROVAL_TARGET_HOURS (`overdue`).',
      security: bearer,
      middleware: [allow('coordinator', 'enterprise')],
      request: {
        query: z.object({
          status: z.enum(APPLICATION_STATUSES).optional(),
          enterprise_id: z.string().max(64).optional(),
          ...pageParams({ limit: 200, max: 1000 }),
        }),
      },
      responses: { 200: pagedResponse(Application, 'applications'), ...commonErrors },
    }),
    async (c) => {
      const principal = c.get('principal')!
      const query = c.req.valid('query')
      const enterpriseId = isCoordinator(principal) ? query.enterprise_id : principal.enterpriseId!
      const { rows, total } = await readPage(
        applicationsQuery(store.db, { ...query, enterpriseId }),
        query,
      )
      return c.json(rows.map(view), 200, pageHeaders(c, query, total))
    },
  )

  // Before /applications/{id}, which would take `rejection-reasons` for an id.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/applications/rejection-reasons',
      tags: ['passes'],
      summary: 'The published reasons an application is rejected for',
      description:
        'Any signed-in role. Every reason with its words in both languages (`text_zh`, `text_en`), whatever `Accept-Language` says: a rejection names one by `code`, and the firm is shown its words.',
      security: bearer,
      middleware: [signedIn()],
      responses: {
        200: jsonResponse(z.array(RejectionReason), 'the reasons, in the order offered'),
        ...commonErrors,
      },
    }),
    (c) => c.json(rejectionReasonList(), 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/applications/{id}',
      tags: ['passes'],
      summary: 'One application',
      description: 'Coordinators, or the enterprise that filed it (another firm’s is 404).',
      security: bearer,
      middleware: [allow('coordinator', 'enterprise')],
      request: { params: IdParam },
      responses: { 200: jsonResponse(Application, 'the application'), ...commonErrors },
    }),
    async (c) =>
      c.json(view(await visibleApplication(c.get('principal')!, c.req.valid('param').id)), 200),
  )

  /** Ends a submitted application without a pass: rejected by a coordinator or withdrawn by its firm. */
  async function closeApplication(
    principal: Principal,
    id: string,
    status: 'rejected' | 'withdrawn',
    reason: string | null,
    code: RejectionCode | null,
  ) {
    const row = await visibleApplication(principal, id)
    if (row.status !== 'submitted')
      throw conflict('application_not_submitted', `the application is ${row.status}`)
    const now = deps.clock()
    const actor = actorOf(principal)
    const after: ApplicationRow = {
      ...row,
      status,
      decision_reason: reason,
      rejection_code: code,
      decided_by: actor,
      decided_at: now.toISOString(),
    }
    await store.atomic([
      abortUnless(
        sql`(SELECT status FROM applications WHERE id = ${row.id}) = 'submitted'`,
        'application_not_submitted',
        'the application was decided meanwhile',
      ),
      store.db
        .updateTable('applications')
        .set({
          status,
          decision_reason: reason,
          rejection_code: code,
          decided_by: actor,
          decided_at: after.decided_at,
        })
        .where('id', '=', row.id),
      auditEntry(now, {
        actor,
        action: status === 'rejected' ? 'application.reject' : 'application.withdraw',
        subject: `application:${row.id}`,
        before: { status: row.status },
        after: code ? { status, reason_code: code, reason } : { status, reason },
      }),
    ])
    return view(after)
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/applications/{id}/reject',
      tags: ['passes'],
      summary: 'Reject with a published reason and free text',
      description:
        'Coordinators. `reason_code` from GET /api/v1/applications/rejection-reasons, `reason` free text (optional, but required for `other`); `{reason}` alone, as older clients send it, is `other` with that text. Only a `submitted` application (else 409 `application_not_submitted`); the reason is shown to the firm in words, and audited with its code.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: { params: IdParam, ...jsonBody(RejectBody) },
      responses: { 200: jsonResponse(Application, 'the application'), ...commonErrors },
    }),
    async (c) => {
      const body = c.req.valid('json')
      return c.json(
        await closeApplication(
          c.get('principal')!,
          c.req.valid('param').id,
          'rejected',
          body.reason ?? null,
          body.reason_code ?? 'other',
        ),
        200,
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/applications/{id}/withdraw',
      tags: ['passes'],
      summary: 'Withdraw one’s own submitted application',
      description:
        'The enterprise that filed it (another firm’s is 404). Only while `submitted` (else 409 `application_not_submitted`); audited.',
      security: bearer,
      middleware: [allow('enterprise')],
      request: { params: IdParam },
      responses: { 200: jsonResponse(Application, 'the application'), ...commonErrors },
    }),
    async (c) =>
      c.json(
        await closeApplication(
          c.get('principal')!,
          c.req.valid('param').id,
          'withdrawn',
          'withdrawn by the applicant',
          null,
        ),
        200,
      ),
  )

  return app
}
