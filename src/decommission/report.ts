import { z } from '@hono/zod-openapi'

// What a decommission did (or, rehearsed, would do): kept in `decommissions.report`, answered by
// the admin endpoint and written to a file by `npm run decommission`. Counts and ids only.

const Passes = z.object({
  revoked: z.number().int().openapi({ description: 'valid passes revoked with the reason' }),
  left_expired: z.number().int().openapi({
    description: 'active passes whose window had ended: left, their window refuses them',
  }),
  already_revoked: z.number().int(),
  superseded: z.number().int(),
})

const Erased = z.object({
  applications: z.number().int(),
  arrival_reports: z.number().int(),
  scans: z.number().int(),
  vehicles: z.number().int().openapi({ description: 'kept vehicles whose saved crew was erased' }),
  enterprise_contacts: z
    .number()
    .int()
    .openapi({ description: 'firms whose contact person (name and phone) was erased' }),
})

const Seal = z.object({
  seq: z.number().int(),
  hash: z.string(),
  at: z.string(),
  kid: z.string(),
  signature: z.string().openapi({ description: 'compact JWS (EdDSA) over the head' }),
})

export const DecommissionReportSchema = z
  .object({
    status: z.enum(['completed', 'dry_run']),
    dry_run: z.boolean(),
    at: z
      .string()
      .openapi({ description: 'when it began (every revocation and erasure carries it)' }),
    actor: z.string(),
    reason: z.string(),
    passes: Passes,
    erased: Erased,
    audit: z
      .object({
        entry_seq: z.number().int().openapi({ description: 'the `service.decommission` entry' }),
        seal: Seal.nullable(),
        covers_last_entry: z.boolean(),
        anchored: z.boolean(),
        sealing_stopped: z.boolean(),
      })
      .nullable(),
    status_list: z
      .object({
        jwt: z.string().openapi({ description: 'the final status list (statuslist+jwt)' }),
        version: z.number().int(),
        iat: z.number().int(),
        exp: z.number().int(),
        sub: z.string(),
      })
      .nullable(),
    completed_at: z.string().nullable(),
  })
  .openapi('DecommissionReport')

export type DecommissionReport = z.infer<typeof DecommissionReportSchema>
