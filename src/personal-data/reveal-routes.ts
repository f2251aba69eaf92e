import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { pageHeaders, pageParams, pagedResponse } from '../http/paging.ts'
import {
  bearer,
  commonErrors,
  createRouter,
  jsonBody,
  jsonResponse,
  ErrorSchema,
} from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { actorOf } from '../auth/principal.ts'
import { dateTimeProblem } from '../applications/real-date-time.ts'
import { RevealAnswer, RevealBody, revealCrew } from './reveal.ts'
import { RevealLogEntry, listReveals } from './reveal-log.ts'

/** A day (`2026-11-01`, from its start in China time) or an instant with its offset. */
const Since = z
  .string()
  .max(40)
  .refine(
    (v) => dateTimeProblem(sinceInstant(v)) === null,
    'a real date (YYYY-MM-DD) or an ISO 8601 time with offset',
  )
  .openapi({ description: 'reveals at or after this day (China time) or time' })
const sinceInstant = (v: string) => (/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00+08:00` : v)

export function revealRoutes(deps: Deps) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/personal-data/reveals',
      tags: ['personal data'],
      summary: 'See a record’s crew in full (names, ID numbers, phones), with a reason: audited',
      description:
        'Coordinators. Every other answer shows the crew masked. A reveal names the record (a pass, an application or a pre-arrival report), says why (10 to 500 characters) and for what purpose; the audit entry `personal.reveal` (who, when, which record, why, how many people — never the values) is written before the answer, and nothing is shown if it cannot be. 404 for an unknown record; 410 `personal_data_erased` once retention, a subject’s request or decommission deleted its personal data. Not to be cached (`Cache-Control: no-store`).',
      security: bearer,
      middleware: [allow('coordinator')],
      request: jsonBody(RevealBody),
      responses: {
        201: jsonResponse(RevealAnswer, 'the crew in full, and the audit entry that records it'),
        ...commonErrors,
        410: jsonResponse(
          ErrorSchema,
          'the record’s personal data was deleted (`personal_data_erased`)',
        ),
      },
    }),
    async (c) => {
      const answer = await revealCrew(deps, actorOf(c.get('principal')), c.req.valid('json'))
      return c.json(answer, 201, { 'Cache-Control': 'no-store' })
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/personal-data/reveals',
      tags: ['personal data'],
      summary: 'Who saw personal data in full: when, which record, why; newest first',
      description:
        'Coordinators. The reveals recorded in the audit log, filtered by `since` (a day or a time) and `actor` (`coordinator:li` or the username); paged.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: {
        query: z.object({
          since: Since.optional(),
          actor: z.string().trim().min(1).max(100).optional(),
          ...pageParams({ limit: 100, max: 500 }),
        }),
      },
      responses: { 200: pagedResponse(RevealLogEntry, 'reveals'), ...commonErrors },
    }),
    async (c) => {
      const q = c.req.valid('query')
      const since = q.since ? new Date(sinceInstant(q.since)).toISOString() : undefined
      const { rows, total } = await listReveals(deps.store.db, { since, actor: q.actor }, q)
      return c.json(rows, 200, pageHeaders(c, q, total))
    },
  )

  return app
}
