import { z } from '@hono/zod-openapi'

/** The `{id}` path parameter of an enterprise. */
export const EnterpriseId = z.object({ id: z.string().min(1).max(64) })
