import { createRoute, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import type { AppEnv, Deps } from '../app-env.ts'
import { conflict } from '../http/errors.ts'
import { bearer, commonErrors, createRouter, jsonResponse } from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { actorOf } from '../auth/principal.ts'
import { foldLoop } from '../loops/fold.ts'
import { loopEvents, toFoldEvent } from '../loops/loops.repository.ts'
import { findLoopFor } from '../loops/involvement.ts'
import { QR_SVG_HEADERS, qrSvg } from '../passes/qr.ts'
import { loadSigningKeys } from '../trust/signing-keys.ts'
import { receiptBasis } from './receipt-basis.ts'
import { signReceipt } from './receipt-token.ts'

const Receipt = z
  .object({
    token: z.string().openapi({
      description: 'compact JWS (EdDSA): R1|issuer|plate|pass|test|sampled|negative|expires',
    }),
    expires_at: z.string(),
    test: z.enum(['pcr', 'antigen', 'certificate']),
    sampled_at: z.string(),
    plate: z.string(),
    pass_number: z.string().nullable(),
  })
  .openapi('TestReceipt')

const IdParam = z.object({ id: z.string().min(1).max(64) })

export function receiptRoutes(deps: Deps) {
  const { store } = deps
  const db = store.db
  const app = createRouter()

  /** Signs the receipt for a loop's negative result, or says why there is none. */
  async function issueReceipt(c: Context<AppEnv>, loopId: string) {
    const loop = await findLoopFor(deps, c.get('principal')!, loopId)
    const facts = foldLoop(
      (await loopEvents(db, loopId)).map(toFoldEvent),
      deps.config.RELEASE_DEADLINE_HOURS,
    )
    const now = deps.clock()
    const decision = receiptBasis(facts, now)
    if (!decision.ok) throw conflict(decision.code, decision.message)
    const basis = decision.basis
    const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
    const claims = {
      issuer: deps.config.ISSUER_CODE,
      plate: loop.plate,
      passNumber: loop.pass_number,
      result: 'negative' as const,
      ...basis,
    }
    const token = await signReceipt(claims, keys.current)
    const receipt = {
      token,
      expires_at: basis.expiresAt.toISOString(),
      test: basis.test,
      sampled_at: basis.sampledAt.toISOString(),
      plate: loop.plate,
      pass_number: loop.pass_number,
    }
    await store.atomic([
      auditEntry(now, {
        actor: actorOf(c.get('principal')),
        action: 'receipt.issue',
        subject: `loop:${loopId}`,
        after: {
          test: receipt.test,
          sampled_at: receipt.sampled_at,
          expires_at: receipt.expires_at,
        },
      }),
    ])
    return receipt
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/loops/{id}/receipt',
      tags: ['loops'],
      summary: 'A signed test receipt for the driver: released without a new test until it expires',
      description:
        'Only from a negative result of a sample taken on this loop (after any retest ordered), or a checked certificate with its own sample time; never while a positive result stands. 409 `no_negative_result` otherwise; 409 `receipt_expired` 48 h after sampling; 409 `sample_in_future` for a sample dated ahead of the server. Checkpoint staff: only for loops that involve their checkpoints (else 404).',
      security: bearer,
      middleware: [allow('checkpoint', 'coordinator')],
      request: { params: IdParam },
      responses: { 200: jsonResponse(Receipt, 'the receipt'), ...commonErrors },
    }),
    async (c) => c.json(await issueReceipt(c, c.req.valid('param').id), 200),
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/loops/{id}/receipt/qr.svg',
      tags: ['loops'],
      summary: 'The receipt as a QR code (SVG)',
      description:
        'Checkpoint staff (for loops that involve their checkpoints, else 404) and coordinators: the receipt token of GET …/receipt as a QR code for the driver to show at the next checkpoint; the same 409s when no receipt can be given.',
      security: bearer,
      middleware: [allow('checkpoint', 'coordinator')],
      request: { params: IdParam },
      responses: {
        200: { description: 'SVG image', content: { 'image/svg+xml': { schema: z.string() } } },
        ...commonErrors,
      },
    }),
    async (c) => {
      const receipt = await issueReceipt(c, c.req.valid('param').id)
      return c.body(await qrSvg(receipt.token), 200, QR_SVG_HEADERS)
    },
  )

  return app
}
