import type { Context } from 'hono'
import type { Deps } from '../app-env.ts'
import { requestIsHttps, requestPublicHost } from '../auth/client-address.ts'
import { driverToken, driverUrl } from './driver-link.ts'

/**
 * Where people open the service: PUBLIC_ORIGIN when configured, else the origin the request
 * reached (behind a proxy, with TRUST_PROXY, the one the browser addressed).
 */
export function publicOriginOf(deps: Deps, c: Context): string {
  if (deps.config.PUBLIC_ORIGIN) return deps.config.PUBLIC_ORIGIN
  return `${requestIsHttps(deps, c) ? 'https' : 'http'}://${requestPublicHost(deps, c)}`
}

/** The driver page's absolute address for a pass (`driver_url`; the QR on the printed pass). */
export async function driverUrlFor(deps: Deps, c: Context, passNumber: string): Promise<string> {
  return driverUrl(publicOriginOf(deps, c), await driverToken(deps.config.TOKEN_SECRET, passNumber))
}
