import { createRoute, z } from '@hono/zod-openapi'
import type { Deps } from '../app-env.ts'
import { allow } from '../auth/middleware.ts'
import { actorOf } from '../auth/principal.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { emptyBodyAsEmptyObject } from '../http/optional-json-body.ts'
import { bearer, commonErrors, createRouter, jsonResponse } from '../http/router.ts'
import { auditedReason, dataKeyId, dataKeyRing } from '../privacy/personal-data.ts'
import { countNotUnderCurrentKey, resealPersonalData, type ResealCounts } from './reseal.ts'

// Moving personal data under a new DATA_KEY (keys:rotate-data). On Node the script does it all;
// on Workers the operator puts the new secrets (`wrangler secret put DATA_KEY`, the old one in
// DATA_KEY_PREVIOUS) and calls the endpoint below until nothing is left under the old key.

export interface DataKeyReseal {
  /** The key everything is moved under (its id: the first 8 hex digits of its SHA-256). */
  key_id: string
  /** The ids of the earlier keys still held (DATA_KEY_PREVIOUS). */
  previous_key_ids: string[]
  resealed: ResealCounts
  /** Values still sealed under another key (or crews from before names were sealed). */
  remaining: number
}

/**
 * Seals again, under DATA_KEY, everything sealed under an earlier key (up to `limit` rows), and
 * audits it (`keys.rotate_data`: key ids and counts, never keys). `step` says which part of the
 * rotation this is (`reseal`, `rotate`, `finish`).
 */
export async function resealUnderCurrentKey(
  deps: Deps,
  options: { actor: string; step: string; limit?: number; extra?: Record<string, unknown> },
): Promise<DataKeyReseal> {
  const ring = dataKeyRing(deps.config)
  const resealed = await resealPersonalData(deps, { scope: 'all', limit: options.limit })
  const remaining = await countNotUnderCurrentKey(deps)
  const result: DataKeyReseal = {
    key_id: await dataKeyId(ring[0]),
    previous_key_ids: await Promise.all(ring.slice(1).map(dataKeyId)),
    resealed,
    remaining,
  }
  await deps.store.atomic([
    auditEntry(deps.clock(), {
      actor: options.actor,
      action: 'keys.rotate_data',
      subject: `data_key:${result.key_id}`,
      after: { step: options.step, ...result, ...options.extra },
    }),
  ])
  return result
}

const ResealBody = z
  .object({
    limit: z.number().int().min(1).max(5000).optional().openapi({
      description:
        'rows written at most in this call (default 500); call again while `remaining` > 0',
    }),
    reason: z.string().trim().max(500).optional().openapi({
      description: 'why the key is being rotated (kept in the audit entry)',
      example: '年度密钥轮换',
    }),
  })
  .openapi('DataKeyResealRequest')

const ResealAnswer = z
  .object({
    key_id: z.string(),
    previous_key_ids: z.array(z.string()),
    resealed: z.object({
      applications: z.number().int(),
      arrival_reports: z.number().int(),
      vehicles: z.number().int(),
      enterprises: z.number().int(),
    }),
    remaining: z.number().int().openapi({
      description: 'values still under an earlier key: 0 means DATA_KEY_PREVIOUS may be removed',
    }),
  })
  .openapi('DataKeyResealed')

export function dataKeyRoutes(deps: Deps) {
  const app = createRouter()

  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/data-key/reseal',
      tags: ['personal data'],
      summary: 'Move personal data under the current DATA_KEY (admin; key rotation on Workers)',
      description:
        'Admins, after putting a new DATA_KEY with the old one in DATA_KEY_PREVIOUS. Seals again, under DATA_KEY, up to `limit` rows sealed under an earlier key (each written only if unchanged since read, so the service keeps running) and answers how many values are left; once `remaining` is 0, DATA_KEY_PREVIOUS may be deleted. Audited (`keys.rotate_data`, key ids and counts).',
      security: bearer,
      middleware: [allow('admin'), emptyBodyAsEmptyObject()],
      request: {
        body: { content: { 'application/json': { schema: ResealBody } }, required: false },
      },
      responses: { 200: jsonResponse(ResealAnswer, 'what moved, what is left'), ...commonErrors },
    }),
    async (c) => {
      // Without a JSON body the validator hands over `{}` unparsed: the default limit.
      const body: z.output<typeof ResealBody> = c.req.valid('json') ?? {}
      const result = await resealUnderCurrentKey(deps, {
        actor: actorOf(c.get('principal')),
        step: 'reseal',
        limit: body.limit ?? 500,
        extra: body.reason ? { reason: auditedReason(body.reason) } : undefined,
      })
      return c.json(result, 200)
    },
  )

  return app
}
