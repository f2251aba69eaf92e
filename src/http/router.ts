import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env.ts'
import { errorBody } from './errors.ts'

/**
 * A sub-app whose validation failures answer 400 in the API's error shape, naming each field:
 * `details: [{field: "crew.0.id_number", message: "..."}]`.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return
      const details = result.error.issues.map((issue) => ({
        field: issue.path.join('.') || result.target,
        message: issue.message,
      }))
      const first = details[0]
      return c.json(
        errorBody(
          'invalid_input',
          first ? `${first.field}: ${first.message}` : 'invalid input',
          details,
        ),
        400,
      )
    },
  })
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_input' }),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .openapi('Error')

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
})

/** The error answers every signed-in route can give; spread into `responses`. */
export const commonErrors = {
  400: errorResponse('invalid input: `details` names each field'),
  401: errorResponse('no token, or a bad or expired one'),
  403: errorResponse('your role may not do this'),
  404: errorResponse('not found, or not yours'),
  409: errorResponse('the current state does not allow it'),
}

export const bearer = [{ bearerAuth: [] }]

export const jsonBody = <T extends z.ZodType>(schema: T, description = '') => ({
  body: { content: { 'application/json': { schema } }, required: true, description },
})

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})
