import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { GuardFailed } from '../db/guard.ts'

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

/** `app.onError`: every thrown thing becomes the JSON error shape; only real faults are 500s. */
export function handleError(error: Error, c: Context) {
  if (error instanceof ApiError) {
    return c.json(errorBody(error.code, error.message, error.details), error.status, error.headers)
  }
  // A write refused by an `abortUnless` guard: its code and the message it was made with.
  if (error instanceof GuardFailed) return c.json(errorBody(error.code, error.message), 409)
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode
    if (status === 400) return c.json(errorBody('malformed_body', error.message), 400)
    if (status === 413) return c.json(errorBody('body_too_large', 'request body too large'), 413)
    return c.json(errorBody(`http_${status}`, error.message || 'request refused'), status)
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
  return c.json(errorBody('internal_error', 'something went wrong; the fault is logged'), 500)
}
