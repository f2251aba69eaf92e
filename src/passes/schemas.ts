import { z } from '@hono/zod-openapi'
import { CrewMember, DestinationView } from '../applications/schemas.ts'
import { CARGO_CATEGORIES } from '../applications/rules.ts'

export const PassNumber = z
  .string()
  .regex(/^\d{12}$/, '12 digits')
  .openapi({ example: '330100000001' })

export const PassSchema = z
  .object({
    number: z.string(),
    status: z.enum(['active', 'revoked', 'superseded', 'expired']),
    status_reason: z.string().nullable(),
    plate: z.string(),
    valid_from: z.string(),
    valid_until: z.string(),
    origin_region_code: z.string(),
    destination: DestinationView,
    route: z.string(),
    cargo_category: z.enum(CARGO_CATEGORIES),
    enterprise_id: z.string(),
    application_id: z.string(),
    issuer_code: z.string(),
    issued_at: z.string(),
    superseded_by: z.string().nullable(),
    kid: z.string(),
    token: z.string().openapi({ description: 'the compact JWS in the QR code' }),
    crew: z.array(CrewMember).optional(),
    personal_erased_at: z.string().nullable().optional().openapi({
      description:
        'when the crew’s personal data was deleted under the retention rule (or on request): `crew` is then empty; null while held; in GET /passes/{number} only',
    }),
    driver_url: z.string().optional().openapi({
      description:
        'the driver’s own page (no sign-in): pass, loop state, next step, deadlines; in GET /passes/{number} only',
    }),
  })
  .openapi('Pass')
