import { z } from '@hono/zod-openapi'
import { CrewMember } from '../applications/schemas.ts'
import { REPORT_STATUSES } from './report-rules.ts'

/** A pre-arrival report as the API shows it (the scan answer names the matching one). */
export const ArrivalReport = z
  .object({
    id: z.string(),
    status: z.enum(REPORT_STATUSES),
    enterprise_id: z.string(),
    plate: z.string(),
    pass_number: z.string().nullable(),
    checkpoint_code: z.string(),
    expected_from: z.string(),
    expected_until: z.string(),
    crew: z.array(CrewMember),
    reported_late: z
      .boolean()
      .openapi({ description: 'filed less than the required lead time (24 h) ahead' }),
    created_at: z.string(),
    arrived_at: z.string().nullable(),
    loop_id: z.string().nullable(),
    booking_id: z
      .string()
      .nullable()
      .openapi({ description: 'the firm’s slot booking at a transfer station it names' }),
    personal_erased_at: z.string().nullable().openapi({
      description:
        'when the crew’s personal data was deleted (`crew` is then empty); null while held',
    }),
  })
  .openapi('ArrivalReport')
