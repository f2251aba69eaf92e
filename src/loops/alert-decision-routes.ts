import { createRoute, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { badRequest, conflict, notFound } from '../http/errors.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { actorOf } from '../auth/principal.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { abortUnless } from '../db/guard.ts'
import type { Compilable } from '../db/store.ts'
import { alertView, findAlert } from '../alerts/alerts.repository.ts'
import { AlertSchema } from '../alerts/alert-schema.ts'
import { findLoop, loopEvents, toFoldEvent } from './loops.repository.ts'
import { foldLoop, initialFacts } from './fold.ts'
import { recordCoordinatorEvent } from './coordinator-events.ts'
import {
  POSITIVE_OUTCOMES,
  isPositiveAlert,
  planResolution,
  type PositiveOutcome,
  type ResolutionPlan,
} from './alert-resolution.ts'

const IdParam = z.object({ id: z.string().min(1).max(64) })

/**
 * A coordinator's decisions on an alert: acknowledge it, or resolve it. Resolving a positive is a
 * decision about its loop (a retest, a close, or handled elsewhere) recorded as a loop event, so
 * these routes live with the loop, beside the fold that says what the decision allows.
 */
export function alertDecisionRoutes(deps: Deps) {
  const { store } = deps
  const db = store.db
  const app = createRouter()

  for (const action of ['acknowledge', 'resolve'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/alerts/{id}/${action}`,
        tags: ['alerts'],
        summary:
          action === 'resolve'
            ? 'Resolve an alert with a note: what was done'
            : 'Acknowledge an alert: someone is on it',
        ...(action === 'resolve'
          ? {
              description:
                'Coordinators. A positive result (`pcr_positive`, `antigen_positive`) is final for its loop: its resolution needs an `outcome` — `retest_ordered` (a new sample may be taken; only its results count), `closed_by_coordinator` (the loop closes, never a receipt) or `handled_off_loop` (the positive stands; the loop never clears nor gives a receipt). Other alerts take only a note. An alert already resolved is 409 `alert_resolved`. Audited.',
            }
          : {
              description:
                'Coordinators. Marks an open alert `acknowledged` (with an optional note) so others see it is being handled; it stays active until resolved. Already acknowledged: 409 `alert_acknowledged`; resolved: 409 `alert_resolved`. Audited.',
            }),
        security: bearer,
        middleware: [allow('coordinator')],
        request: {
          params: IdParam,
          ...jsonBody(
            action === 'resolve'
              ? z
                  .object({
                    note: z.string().trim().min(2).max(1000),
                    outcome: z.enum(POSITIVE_OUTCOMES).optional(),
                  })
                  .openapi('ResolveAlertRequest')
              : z
                  .object({ note: z.string().trim().max(1000).optional() })
                  .openapi('AcknowledgeAlertRequest'),
          ),
        },
        responses: { 200: jsonResponse(AlertSchema, 'the alert'), ...commonErrors },
      }),
      async (c) => {
        const { id } = c.req.valid('param')
        const { note, outcome } = c.req.valid('json') as {
          note?: string
          outcome?: PositiveOutcome
        }
        const alert = await findAlert(db, id)
        if (!alert) throw notFound('alert')
        if (alert.status === 'resolved')
          throw conflict('alert_resolved', 'the alert is already resolved')
        if (action === 'acknowledge' && alert.status === 'acknowledged')
          throw conflict('alert_acknowledged', 'the alert is already acknowledged')
        const now = deps.clock()
        const at = now.toISOString()
        const actor = actorOf(c.get('principal'))
        let plan: ResolutionPlan = { ok: true, event: null }
        const loop =
          action === 'resolve' && isPositiveAlert(alert.kind)
            ? await findLoop(db, alert.loop_id)
            : undefined
        if (action === 'resolve') {
          const facts = loop
            ? foldLoop(
                (await loopEvents(db, loop.id)).map(toFoldEvent),
                deps.config.RELEASE_DEADLINE_HOURS,
              )
            : initialFacts()
          plan = planResolution(alert, outcome, { facts, closed: Boolean(loop?.closed_at) })
          if (!plan.ok)
            throw plan.status === 400
              ? badRequest(plan.code, plan.message, [{ field: 'outcome', message: plan.message }])
              : conflict(plan.code, plan.message)
        }
        const changes =
          action === 'resolve'
            ? {
                status: 'resolved' as const,
                resolved_by: actor,
                resolved_at: at,
                note: note ?? null,
                outcome: outcome ?? null,
              }
            : {
                status: 'acknowledged' as const,
                acknowledged_by: actor,
                acknowledged_at: at,
                note: note ?? alert.note,
              }
        const writes: Compilable[] = [
          abortUnless(
            sql`(SELECT status FROM alerts WHERE id = ${id}) != 'resolved'`,
            'alert_resolved',
            'the alert was resolved meanwhile',
          ),
          db.updateTable('alerts').set(changes).where('id', '=', id),
          auditEntry(now, {
            actor,
            action: `alert.${action}`,
            subject: `alert:${id}`,
            before: { status: alert.status },
            after: { status: changes.status, note: changes.note, ...(outcome ? { outcome } : {}) },
          }),
        ]
        if (plan.ok && plan.event && loop) {
          // The decision becomes a loop event (the loop follows from its events alone); the
          // loop's projection, `alerting` included, commits with it.
          if (plan.event === 'coordinator_closed')
            writes.push(
              db
                .updateTable('loops')
                .set({ closed_by: actor, closed_note: note ?? null })
                .where('id', '=', loop.id),
            )
          await recordCoordinatorEvent(
            deps,
            loop,
            { kind: plan.event, data: { alert_id: id, note: note ?? null }, actor },
            [
              abortUnless(
                sql`(SELECT closed_at FROM loops WHERE id = ${loop.id}) IS NULL`,
                'loop_closed',
                'the loop is already closed',
              ),
              ...writes,
            ],
          )
        } else {
          await store.atomic([
            ...writes,
            db
              .updateTable('loops')
              .set({
                alerting: sql<number>`EXISTS (SELECT 1 FROM alerts WHERE loop_id = ${alert.loop_id} AND status != 'resolved')`,
              })
              .where('id', '=', alert.loop_id),
          ])
        }
        return c.json(alertView({ ...alert, ...changes }), 200)
      },
    )
  }

  return app
}
