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
import { issuePass } from './issue-pass.ts'
import { PassSchema } from './schemas.ts'
import { passView } from './passes.repository.ts'

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
        'The body is optional.',
      security: bearer,
      middleware: [allow('coordinator'), emptyBodyAsEmptyObject()],
      request: {
        params: IdParam,
        body: { content: { 'application/json': { schema: ApproveBody } }, required: false },
      },
      responses: { 201: jsonResponse(PassSchema, 'the new pass'), ...commonErrors },
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
      const pass = await issuePass(deps, application, actorOf(c.get('principal')), {
        confirmOtherFirm: choice.confirm_other_firm === true,
        note: choice.note ?? null,
      })
      return c.json(passView(pass, deps.clock(), application.crew), 201)
    },
  )

  return app
}
