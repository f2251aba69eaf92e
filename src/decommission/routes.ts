import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { notFound } from '../http/errors.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { actorOf } from '../auth/principal.ts'
import { statusListAddress } from '../trust/own-status-list.ts'
import { decommission, findDecommission } from './decommission.ts'
import { DecommissionReportSchema } from './report.ts'

const DecommissionBody = z
  .object({
    reason: z.string().trim().min(10).max(500).openapi({
      description: 'why the service ends; kept with every revoked pass and in the audit log',
      example: '疫情防控措施调整，货运通行证停止办理',
    }),
    confirm: z
      .literal('DECOMMISSION')
      .openapi({ description: 'the word DECOMMISSION, typed: there is no way back' }),
    dry_run: z
      .boolean()
      .optional()
      .openapi({ description: 'count what would be done, change nothing' }),
  })
  .openapi('DecommissionRequest')

const Unfinished = z
  .object({
    status: z.literal('in_progress'),
    at: z.string(),
    actor: z.string(),
    reason: z.string(),
  })
  .openapi('DecommissionInProgress')

/** The admin's end of the service, for Workers (Node has `npm run decommission` too). */
export function decommissionRoutes(deps: Deps) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/decommission',
      tags: ['admin'],
      summary:
        'Decommission the service: revoke every pass, erase all personal data, seal the audit log',
      description:
        'Admins only. Revokes every valid pass with `reason` (its status list bit set; `pass.revoke` audited per pass), erases all personal data (crews of applications, pre-arrival reports, kept vehicles; scan input; firms’ contact persons — plates and pass numbers stay), writes the `service.decommission` audit entry (counts) and a signed seal over it, and answers the report, which is kept (GET). From its start new applications, approvals, bookings, vehicles, pre-arrival reports and firms are 409 `service_decommissioned`. `dry_run: true` answers the counts and changes nothing. Once done, 409 `already_decommissioned`; a run that stopped half-way is finished by calling again.',
      security: bearer,
      middleware: [allow('admin')],
      request: jsonBody(DecommissionBody),
      responses: {
        200: jsonResponse(DecommissionReportSchema, 'what was done (or would be, dry run)'),
        ...commonErrors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const report = await decommission(deps, {
        actor: actorOf(c.get('principal')),
        reason: body.reason,
        statusListAddress: statusListAddress(deps, c.req.url),
        dryRun: body.dry_run ?? false,
      })
      return c.json(report, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/decommission',
      tags: ['admin'],
      summary: 'The decommission report, once there is one',
      description:
        'Admins only. The report kept by the decommission (`status: completed`), or `in_progress` while one runs or after one stopped half-way; 404 before any.',
      security: bearer,
      middleware: [allow('admin')],
      responses: {
        200: jsonResponse(z.union([DecommissionReportSchema, Unfinished]), 'the report'),
        ...commonErrors,
      },
    }),
    async (c) => {
      const report = await findDecommission(deps.store.db)
      if (!report) throw notFound('decommission')
      return c.json(report, 200)
    },
  )

  return app
}
