import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { pageHeaders, pageParams, pagedResponse, readPage } from '../http/paging.ts'
import { bearer, commonErrors, createRouter } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { isCoordinator, type Principal } from '../auth/principal.ts'
import { alertView, alertsQuery, type AlertFilter } from './alerts.repository.ts'
import { AlertSchema } from './alert-schema.ts'
import { ALERT_KINDS } from './alerts.table.ts'

/**
 * Which alerts a caller lists: coordinators all, checkpoint staff those that name one of their
 * checkpoints to be told, a firm those on loops of its own passes.
 */
function alertScope(principal: Principal): Pick<AlertFilter, 'notifying' | 'enterpriseId'> {
  if (isCoordinator(principal)) return {}
  if (principal.role === 'enterprise') return { enterpriseId: principal.enterpriseId }
  return { notifying: principal.checkpointCodes }
}

/** The alerts list; a coordinator's decisions on an alert are loop decisions (loops/alert-decision-routes.ts). */
export function alertRoutes(deps: Deps) {
  const db = deps.store.db
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/alerts',
      tags: ['alerts'],
      summary: 'Alerts, most urgent first: open before acknowledged, positives first, newest first',
      description:
        'Coordinators see all; checkpoint staff see the alerts that name one of their checkpoints to be told; an enterprise the alerts on loops of its own passes.',
      security: bearer,
      middleware: [allow('coordinator', 'checkpoint', 'enterprise')],
      request: {
        query: z.object({
          status: z
            .enum(['open', 'acknowledged', 'resolved', 'active'])
            .optional()
            .openapi({ description: '`active`: open or acknowledged' }),
          kind: z.enum(ALERT_KINDS).optional(),
          loop_id: z.string().max(64).optional(),
          ...pageParams({ limit: 200, max: 1000 }),
        }),
      },
      responses: { 200: pagedResponse(AlertSchema, 'alerts'), ...commonErrors },
    }),
    async (c) => {
      const q = c.req.valid('query')
      const principal = c.get('principal')!
      const matching = alertsQuery(db, {
        status: q.status,
        kind: q.kind,
        loopId: q.loop_id,
        ...alertScope(principal),
      })
      const { rows, total } = await readPage(matching, q)
      return c.json(rows.map(alertView), 200, pageHeaders(c, q, total))
    },
  )

  return app
}
