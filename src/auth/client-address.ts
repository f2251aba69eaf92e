import type { Context } from 'hono'
import type { Deps } from '../app-env.ts'

const ADDRESS = /^[0-9A-Fa-f:.]{2,45}$/

/** The right-most entry of a comma-separated forwarding header: the one our own proxy wrote. */
const rightMost = (header: string | undefined) =>
  header
    ?.split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .at(-1)

/**
 * The client's address. Without TRUST_PROXY it is the connected peer. With TRUST_PROXY exactly
 * one proxy stands in front of the service and appends the address it saw to `X-Forwarded-For`:
 * the right-most entry is that address, the first one nobody we trust can vouch for; anything to
 * its left was sent by the client and may be forged, so it is never used.
 */
export function clientAddressOf(
  peer: string,
  forwardedFor: string | undefined,
  trustProxy: boolean,
): string {
  if (!trustProxy) return peer
  const forwarded = rightMost(forwardedFor)
  return forwarded && ADDRESS.test(forwarded) ? forwarded.toLowerCase() : peer
}

/** Whether the browser reached us over HTTPS: the URL's scheme, or (TRUST_PROXY) the proxy's `X-Forwarded-Proto`. */
export function servedOverHttps(
  url: string,
  forwardedProto: string | undefined,
  trustProxy: boolean,
): boolean {
  if (new URL(url).protocol === 'https:') return true
  return trustProxy && rightMost(forwardedProto)?.toLowerCase() === 'https'
}

/** The host the browser addressed: the URL's, or (TRUST_PROXY) the proxy's `X-Forwarded-Host`. */
export function publicHostOf(
  url: string,
  forwardedHost: string | undefined,
  trustProxy: boolean,
): string {
  const forwarded = trustProxy ? rightMost(forwardedHost) : undefined
  return (forwarded ?? new URL(url).host).toLowerCase()
}

export const requestClientAddress = (deps: Deps, c: Context) =>
  clientAddressOf(
    deps.clientAddress?.(c) ?? 'unknown',
    c.req.header('x-forwarded-for'),
    deps.config.TRUST_PROXY,
  )

export const requestIsHttps = (deps: Deps, c: Context) =>
  servedOverHttps(c.req.url, c.req.header('x-forwarded-proto'), deps.config.TRUST_PROXY)

export const requestPublicHost = (deps: Deps, c: Context) =>
  publicHostOf(c.req.url, c.req.header('x-forwarded-host'), deps.config.TRUST_PROXY)
