import { z } from '@hono/zod-openapi'
import { ALERT_STATUSES } from './alerts.table.ts'

/** An alert as the API answers it (see `alertView`): in lists, in a loop's detail, after a decision. */
export const AlertSchema = z
  .object({
    id: z.string(),
    loop_id: z.string(),
    kind: z.string(),
    status: z.enum(ALERT_STATUSES),
    opened_at: z.string(),
    details: z.record(z.string(), z.unknown()),
    acknowledged_by: z.string().nullable(),
    acknowledged_at: z.string().nullable(),
    resolved_by: z.string().nullable(),
    resolved_at: z.string().nullable(),
    note: z.string().nullable(),
    round: z.number().openapi({
      description:
        'the loop round it belongs to: retests ordered (positives, results) or deadlines set (destination)',
    }),
    outcome: z.string().nullable().openapi({
      description:
        'for a positive result: what its resolution allowed, or `withdrawn_by_correction` (the checkpoint officer withdrew the result within a minute of recording it)',
    }),
  })
  .openapi('Alert')
