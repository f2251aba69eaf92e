import { z } from '@hono/zod-openapi'

/** A county-level division code (GB/T 2260), as every region field takes it. */
export const RegionCode = z.string().regex(/^\d{6}$/, 'a 6-digit region code (GB/T 2260)')
