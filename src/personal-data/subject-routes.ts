import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { allow } from '../auth/middleware.ts'
import { actorOf } from '../auth/principal.ts'
import { bearer, commonErrors, createRouter, jsonBody, jsonResponse } from '../http/router.ts'
import { isValidResidentId } from '../privacy/resident-id.ts'
import { eraseSubject, exportSubject } from './subject.ts'

// A subject's request, handled by an admin (the person asks in writing; the admin states why).

const SubjectRequest = z
  .object({
    id_number: z
      .string()
      .trim()
      .transform((v) => v.toUpperCase())
      .refine(
        (v) => isValidResidentId(v),
        '18-character resident ID number with a valid check digit (GB 11643)',
      )
      .openapi({ type: 'string', example: '11010519491231002X' }),
    reason: z.string().trim().min(2).max(500).openapi({
      description: 'why: the person’s request and how it reached you (kept in the audit log)',
      example: '本人书面申请，2026-12-01 收到',
    }),
  })
  .openapi('SubjectRequest')

const EraseCounts = z
  .object({
    applications: z.number().int(),
    arrival_reports: z.number().int(),
    vehicles: z.number().int(),
    scans: z.number().int(),
  })
  .openapi('SubjectEraseCounts')

const EraseAnswer = z
  .object({
    erased: EraseCounts,
    unsearched_rows: z.number().int().openapi({
      description:
        'rows from before names were sealed that could not be upgraded, so were not searched (normally 0)',
    }),
  })
  .openapi('SubjectErased')

/** A day in China time, for the file's name. */
const chinaDay = (at: Date) => new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10)

export function subjectRoutes(deps: Deps) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/subjects/export',
      tags: ['personal data'],
      summary: 'Everything held about one ID number, as a JSON file (admin)',
      description:
        'Admins, for a person’s request to see their data. Found by the ID number’s keyed hash (under each data key held), never by opening every row. The file (`subject-<masked id>-<date>.json`) lists each application and pass, pre-arrival report and kept vehicle naming the person, with the person’s own full name, ID number and phone (other crew members are left out), and the loops and scans of those passes; nothing found is a file that says so, with empty lists. A malformed ID number is 400. Audited (`personal.export`: the reason and counts, never the ID number).',
      security: bearer,
      middleware: [allow('admin')],
      request: jsonBody(SubjectRequest),
      responses: {
        200: {
          description: 'the file (attachment, not cached)',
          content: { 'application/json': { schema: z.object({}).passthrough() } },
        },
        ...commonErrors,
      },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const done = await exportSubject(deps, {
        idNumber: body.id_number,
        reason: body.reason,
        actor: actorOf(c.get('principal')),
      })
      return c.json(done.file, 200, {
        'content-disposition': `attachment; filename="subject-${done.masked}-${chinaDay(done.at)}.json"`,
        'cache-control': 'no-store',
      })
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/subjects/erase',
      tags: ['personal data'],
      summary: 'Erase one ID number’s personal data now, at the person’s request (admin)',
      description:
        'Admins. The person is removed from every crew naming them: a crew left empty erases the row’s personal data (the row, its plate and pass number stay for the audit, marked erased); a kept vehicle stays with the rest of its crew. Scans of the passes they were named on lose their input. Every row is written only if still as read, in one write with the audit entry (`personal.erase`, counts and row ids); rows changing all the while: 409 `subject_records_changed`. A second call erases nothing. A malformed ID number is 400.',
      security: bearer,
      middleware: [allow('admin')],
      request: jsonBody(SubjectRequest),
      responses: { 200: jsonResponse(EraseAnswer, 'what was erased'), ...commonErrors },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const done = await eraseSubject(deps, {
        idNumber: body.id_number,
        reason: body.reason,
        actor: actorOf(c.get('principal')),
      })
      c.header('cache-control', 'no-store')
      return c.json({ erased: done.erased, unsearched_rows: done.unsearched }, 200)
    },
  )

  return app
}
