import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'

/**
 * Refuses request bodies over `maxSize` bytes. Hono's `bodyLimit` reads `c.req.raw.body` first,
 * which on @hono/node-server turns the lightweight request into a full web `Request` with a body
 * stream and an AbortController — a large share of a small request's cost. A declared
 * `Content-Length` (which Node's parser has already validated) is enough to decide, and GET and
 * HEAD have no body, so only a chunked upload goes through the stream-counting middleware.
 */
export function limitBody(options: {
  maxSize: number
  onError: (c: Context) => Response | Promise<Response>
}): MiddlewareHandler {
  const counting = bodyLimit(options)
  return async function limitBody(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const length = c.req.header('content-length')
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      return Number(length) > options.maxSize ? options.onError(c) : next()
    }
    return counting(c, next)
  }
}
