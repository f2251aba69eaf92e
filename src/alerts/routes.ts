import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Deps } from '../http/env.ts'
import { badRequest, conflict, notFound } from '../http/errors.ts'
import { pageHeaders, pageParams, pagedResponse, readPage } from '../http/paging.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { isCoordinator } from '../auth/principal.ts'
import { actorOf, auditEntry } from '../audit/audit-entry.ts'
import { abortUnless } from '../db/guard.ts'
import type { Compilable } from '../db/store.ts'
import { findLoop, loopEvents, toFoldEvent } from '../loops/loops.repository.ts'
import { alertView, alertsQuery, findAlert } from './alerts.repository.ts'
import { foldLoop, initialFacts } from '../loops/fold.ts'
import { recordCoordinatorEvent } from '../loops/coordinator-events.ts'
import { POSITIVE_OUTCOMES, isPositiveAlert, planResolution, type PositiveOutcome, type ResolutionPlan } from './resolve-outcome.ts'
import { AlertSchema } from './alert-schema.ts'
import { ALERT_KINDS } from './alerts.table.ts'

const IdParam = z.object({ id: z.string().min(1).max(64) })

export function alertRoutes(deps: Deps) {
  const { store } = deps
  const db = store.db
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'get',
      path: '/alerts',
      tags: ['alerts'],
      summary: 'Alerts, most urgent first: open before acknowledged, positives first, newest first',
      description: 'Coordinators see all; checkpoint staff see the alerts that name one of their checkpoints to be told.',
      security: bearer,
      middleware: [allow('coordinator', 'checkpoint')],
      request: {
        query: z.object({
          status: z.enum(['open', 'acknowledged', 'resolved', 'active']).optional().openapi({ description: '`active`: open or acknowledged' }),
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
        // Checkpoint staff: the alerts that name one of their checkpoints to be told.
        notifying: isCoordinator(principal) ? undefined : principal.checkpointCodes,
      })
      const { rows, total } = await readPage(matching, q)
      return c.json(rows.map(alertView), 200, pageHeaders(c, q, total))
    },
  )

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/alerts/{id}/${action}`,
        tags: ['alerts'],
        summary: action === 'resolve' ? 'Resolve an alert with a note: what was done' : 'Acknowledge an alert: someone is on it',
        ...(action === 'resolve'
          ? {
              description:
                'A positive result (`pcr_positive`, `antigen_positive`) is final for its loop: its resolution needs an `outcome` — `retest_ordered` (a new sample may be taken; only its results count), `closed_by_coordinator` (the loop closes, never a receipt) or `handled_off_loop` (the positive stands; the loop never clears nor gives a receipt). Other alerts take only a note.',
            }
          : {}),
        security: bearer,
        middleware: [allow('coordinator')],
        request: {
          params: IdParam,
          ...jsonBody(
            action === 'resolve'
              ? z.object({ note: z.string().trim().min(2).max(1000), outcome: z.enum(POSITIVE_OUTCOMES).optional() }).openapi('ResolveAlertRequest')
              : z.object({ note: z.string().trim().max(1000).optional() }).openapi('AcknowledgeAlertRequest'),
          ),
        },
        responses: { 200: jsonResponse(AlertSchema, 'the alert'), ...commonErrors },
      }),
      async (c) => {
        const { id } = c.req.valid('param')
        const { note, outcome } = c.req.valid('json') as { note?: string; outcome?: PositiveOutcome }
        const alert = await findAlert(db, id)
        if (!alert) throw notFound('alert')
        if (alert.status === 'resolved') throw conflict('alert_resolved', 'the alert is already resolved')
        if (action === 'acknowledge' && alert.status === 'acknowledged') throw conflict('alert_acknowledged', 'the alert is already acknowledged')
        const now = deps.clock()
        const at = now.toISOString()
        const actor = actorOf(c.get('principal'))
        let plan: ResolutionPlan = { ok: true, event: null }
        const loop = action === 'resolve' && isPositiveAlert(alert.kind) ? await findLoop(db, alert.loop_id) : undefined
        if (action === 'resolve') {
          const facts = loop ? foldLoop((await loopEvents(db, loop.id)).map(toFoldEvent), deps.config.RELEASE_DEADLINE_HOURS) : initialFacts()
          plan = planResolution(alert, outcome, { facts, closed: Boolean(loop?.closed_at) })
          if (!plan.ok) throw plan.status === 400 ? badRequest(plan.code, plan.message, [{ field: 'outcome', message: plan.message }]) : conflict(plan.code, plan.message)
        }
        const changes =
          action === 'resolve'
            ? { status: 'resolved' as const, resolved_by: actor, resolved_at: at, note: note ?? null, outcome: outcome ?? null }
            : { status: 'acknowledged' as const, acknowledged_by: actor, acknowledged_at: at, note: note ?? alert.note }
        const writes: Compilable[] = [
          abortUnless(sql`(SELECT status FROM alerts WHERE id = ${id}) != 'resolved'`, 'alert_resolved', 'the alert was resolved meanwhile'),
          db.updateTable('alerts').set(changes).where('id', '=', id),
          auditEntry(db, now, { actor, action: `alert.${action}`, subject: `alert:${id}`, before: { status: alert.status }, after: { status: changes.status, note: changes.note, ...(outcome ? { outcome } : {}) } }),
        ]
        if (plan.ok && plan.event && loop) {
          // The decision becomes a loop event (the loop follows from its events alone); the
          // loop's projection, `alerting` included, commits with it.
          if (plan.event === 'coordinator_closed') writes.push(db.updateTable('loops').set({ closed_by: actor, closed_note: note ?? null }).where('id', '=', loop.id))
          await recordCoordinatorEvent(deps, loop, { kind: plan.event, data: { alert_id: id, note: note ?? null }, actor }, [
            abortUnless(sql`(SELECT closed_at FROM loops WHERE id = ${loop.id}) IS NULL`, 'loop_closed', 'the loop is already closed'),
            ...writes,
          ])
        } else {
          await store.atomic([
            ...writes,
            db
              .updateTable('loops')
              .set({ alerting: sql<number>`EXISTS (SELECT 1 FROM alerts WHERE loop_id = ${alert.loop_id} AND status != 'resolved')` })
              .where('id', '=', alert.loop_id),
          ])
        }
        return c.json(alertView({ ...alert, ...changes }), 200)
      },
    )
  }

  return app
}
