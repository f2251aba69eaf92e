import type { Context } from 'hono'
import type { Deps } from '../http/env.ts'
import { requestPublicHost } from './client-address.ts'

export type RequestOrigin = 'same' | 'cross' | 'unknown'

export interface OriginHeaders {
  origin?: string
  secFetchSite?: string
  referer?: string
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return undefined
  }
}

/**
 * Where a browser says a request comes from, against the host it was sent to: `Origin` first
 * (every current browser sends it on a POST), then `Sec-Fetch-Site`, then `Referer`. Hosts are
 * compared, not schemes, so a proxy that ends TLS without saying so does not lock everyone out.
 * `unknown` when none is sent (a non-browser client, which cannot carry a victim's cookie anyway).
 */
export function judgeRequestOrigin(headers: OriginHeaders, host: string): RequestOrigin {
  // `Origin: null` comes from sandboxed frames and cross-site redirects, but also from a page
  // whose Referrer-Policy is no-referrer (ours say same-origin): let Sec-Fetch-Site decide it.
  if (headers.origin === 'null') return headers.secFetchSite === 'same-origin' ? 'same' : 'cross'
  if (headers.origin !== undefined) return hostOf(headers.origin) === host ? 'same' : 'cross'
  if (headers.secFetchSite !== undefined) {
    if (headers.secFetchSite === 'same-origin') return 'same'
    return headers.secFetchSite === 'none' ? 'unknown' : 'cross'
  }
  if (headers.referer !== undefined) return hostOf(headers.referer) === host ? 'same' : 'cross'
  return 'unknown'
}

export const requestOrigin = (deps: Deps, c: Context): RequestOrigin =>
  judgeRequestOrigin(
    { origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site'), referer: c.req.header('referer') },
    requestPublicHost(deps, c),
  )
