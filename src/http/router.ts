import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { AppEnv } from '../app-env.ts'
import { errorBody } from './errors.ts'
import { apiLanguage } from './language.ts'
import { issueText } from './localise-error.ts'

/**
 * A sub-app whose validation failures answer 400 in the API's error shape, naming each field:
 * `details: [{field: "crew.0.id_number", message: "..."}]`.
 */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return
      // zh-CN: zod's own locale for its checks, the table for the schemas' messages (issueText).
      const lang = apiLanguage(c.req.header('accept-language'))
      const zh = lang === 'zh-CN'
      // @hono/zod-validator hands the validated value over as `data` (untyped on failure).
      const input = (result as { data?: unknown }).data
      const details = result.error.issues.map((issue) => ({
        field: issue.path.join('.') || result.target,
        message: issueText(lang, issue, input),
      }))
      const first = details[0]
      c.header('Vary', 'Accept-Language', { append: true })
      const english = first ? `${first.field}: ${first.message}` : 'invalid input'
      const message = zh ? `输入有误${first ? `：${first.message}` : ''}` : english
      return c.json(errorBody('invalid_input', message, details), 400)
    },
  })
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({
        example: 'invalid_input',
        description: 'snake_case; what a client branches on; never changes with the language',
      }),
      message: z.string().openapi({
        example: '输入有误：至少 8 个字符',
        description: 'for people, in the language of `Accept-Language` (`zh-CN` by default, `en`)',
      }),
      details: z.unknown().optional().openapi({
        description:
          'for 400: `[{field, message}]`, one per wrong field (`crew.0.id_number`); for some 409s the objects in the way',
      }),
    }),
  })
  .openapi('Error')

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
})

/** The error answers every signed-in route can give; spread into `responses`. */
export const commonErrors = {
  400: errorResponse('invalid input (`invalid_input`, …): `details` names each field'),
  401: errorResponse(
    'not signed in (`unauthorized`), or a bad, expired or revoked token (`invalid_token`, `token_expired`, `token_revoked`), or a disabled account (`account_disabled`)',
  ),
  403: errorResponse(
    'your role may not do this (`forbidden`), or a cookie-signed write broke the CSRF rule (`csrf`, `cross_origin`)',
  ),
  404: errorResponse('not found, or not yours (another firm’s data answers as unknown)'),
  409: errorResponse('the current state does not allow it; `code` says which rule'),
}

/** Signed in by the bearer token or by the web pages' session cookie (with its CSRF rule): either. */
export const bearer: Record<string, string[]>[] = [{ bearerAuth: [] }, { cookieAuth: [] }]

export const jsonBody = <T extends z.ZodType>(schema: T, description = '') => ({
  body: { content: { 'application/json': { schema } }, required: true, description },
})

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
})
