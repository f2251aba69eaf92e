import type { Context } from 'hono'
import type { Deps } from '../app-env.ts'
import { requestPublicHost } from './client-address.ts'

export type RequestOrigin = 'same' | 'cross' | 'unknown'

export interface OriginHeaders {
  origin?: string
  secFetchSite?: string
  referer?: string
}

/** Whether `url` is one of ours: the public origin when configured, or the host the request reached. */
function isOurs(url: string, host: string, publicOrigin: string | undefined): boolean {
  try {
    const parsed = new URL(url)
    return parsed.origin === publicOrigin || parsed.host.toLowerCase() === host
  } catch {
    return false
  }
}

/**
 * Where a browser says a request comes from. `Sec-Fetch-Site` decides first when present: the
 * browser sets it and no page can forge it, and it needs no idea of our own address, which a
 * proxy rewriting `Host` (nginx's default `proxy_pass`) hides from us. Without it (older
 * browsers) `Origin`, then `Referer`, are compared with PUBLIC_ORIGIN when configured or the
 * request's host. Hosts, not schemes, are compared with the latter, so a proxy that ends TLS
 * without saying so does not lock everyone out. `unknown` when nothing tells (a non-browser
 * client, which cannot carry a victim's cookie anyway).
 */
export function judgeRequestOrigin(
  headers: OriginHeaders,
  host: string,
  publicOrigin?: string,
): RequestOrigin {
  if (headers.secFetchSite === 'same-origin') return 'same'
  if (headers.secFetchSite === 'same-site' || headers.secFetchSite === 'cross-site') return 'cross'
  // `Origin: null`: sandboxed frames, cross-site redirects, privacy settings. Ours is not among
  // them (our pages send Referrer-Policy same-origin), and a browser that sends it also sends
  // Sec-Fetch-Site, which was read above.
  if (headers.origin === 'null') return 'cross'
  if (headers.origin !== undefined)
    return isOurs(headers.origin, host, publicOrigin) ? 'same' : 'cross'
  if (headers.referer !== undefined)
    return isOurs(headers.referer, host, publicOrigin) ? 'same' : 'cross'
  return 'unknown'
}

export const requestOrigin = (deps: Deps, c: Context): RequestOrigin =>
  judgeRequestOrigin(
    {
      origin: c.req.header('origin'),
      secFetchSite: c.req.header('sec-fetch-site'),
      referer: c.req.header('referer'),
    },
    requestPublicHost(deps, c),
    deps.config.PUBLIC_ORIGIN,
  )
