import type { MiddlewareHandler } from 'hono'

/**
 * For a route whose JSON body is optional: a request that says `content-type: application/json`
 * but sends no bytes (many HTTP clients set the header on every POST) reads as `{}` instead of
 * failing as malformed JSON in the validator.
 */
export function emptyBodyAsEmptyObject(): MiddlewareHandler {
  return async function emptyBodyAsEmptyObject(c, next) {
    // Only then: reading the body of any other request would hide it from the media-type check.
    const json = /^application\/([\w.+-]+\+)?json\b/i.test(c.req.header('content-type') ?? '')
    if (json && (await c.req.text()).trim() === '') {
      // Hono keeps each body reading as a promise in `bodyCache`; `json()` parses the cached text.
      ;(c.req.bodyCache as Record<string, unknown>).text = Promise.resolve('{}')
    }
    await next()
  }
}
