import { z } from '@hono/zod-openapi'

/** The code of a station or checkpoint, as staff type it and signs print it. */
export const ReferenceCode = z
  .string()
  .trim()
  .min(2)
  .max(32)
  .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
  // Codes are printed on signs and typed at roadsides: one spelling, upper case.
  .transform((v) => v.toUpperCase())
  .openapi({ type: 'string', example: 'HZ-XS-01' })
