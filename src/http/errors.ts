import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { GuardFailed } from '../db/guard.ts'
import { apiLanguage } from './language.ts'
import { localiseError } from './localise-error.ts'

/** The one error shape of the API: `{error: {code, message, details?}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message)
  }
}

export const badRequest = (code: string, message: string, details?: unknown) =>
  new ApiError(400, code, message, details)
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`)
export const conflict = (code: string, message: string, details?: unknown) =>
  new ApiError(409, code, message, details)
export const forbidden = (message = 'your role may not do this') =>
  new ApiError(403, 'forbidden', message)
export const unauthorized = (code = 'unauthorized', message = 'sign in first') =>
  new ApiError(401, code, message)

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } }
}

/**
 * An error answer in the language the request asks for (`Accept-Language`: zh-CN unless it
 * prefers English). `code` and each `details[].field` stay as they are; `Vary` tells caches.
 */
export function errorAnswer(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details?: unknown,
  headers?: Record<string, string>,
) {
  const said = localiseError(apiLanguage(c.req.header('accept-language')), code, message, details)
  c.header('Vary', 'Accept-Language', { append: true })
  return c.json(errorBody(code, said.message, said.details), status, headers)
}

/** `app.onError`: every thrown thing becomes the JSON error shape; only real faults are 500s. */
export function handleError(error: Error, c: Context) {
  if (error instanceof ApiError) {
    return errorAnswer(c, error.status, error.code, error.message, error.details, error.headers)
  }
  // A write refused by an `abortUnless` guard: its code and the message it was made with.
  if (error instanceof GuardFailed) return errorAnswer(c, 409, error.code, error.message)
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode
    if (status === 400) return errorAnswer(c, 400, 'malformed_body', error.message)
    if (status === 413) return errorAnswer(c, 413, 'body_too_large', 'request body too large')
    return errorAnswer(c, status, `http_${status}`, error.message || 'request refused')
  }
  // Request bodies are parsed by the validators, which answer `malformed_body` themselves; any
  // other SyntaxError (a stored JSON column, SIGNING_KEYS) is the server's fault, not the client's.
  console.error(
    JSON.stringify({
      level: 'error',
      request_id: c.get('requestId'),
      error: String(error.stack ?? error),
    }),
  )
  return errorAnswer(c, 500, 'internal_error', 'something went wrong; the fault is logged')
}
