import type { MiddlewareHandler } from 'hono'
import type { AppEnv, Deps } from '../app-env.ts'
import { conflict } from '../http/errors.ts'
import { decommissionBegun } from './decommission.ts'

/**
 * The writes that start new work or take personal data: after a decommission has begun they are
 * 409 `service_decommissioned`. Reads, revocations, scans and loop events still answer (a truck on
 * the road is still followed; its scans find its pass revoked).
 */
const REFUSED: readonly [method: string, path: RegExp][] = [
  ['POST', /^\/api\/v1\/applications$/],
  ['POST', /^\/api\/v1\/applications\/bulk$/],
  ['POST', /^\/api\/v1\/applications\/[^/]+\/approve$/],
  ['POST', /^\/api\/v1\/stations\/[^/]+\/bookings$/],
  ['PATCH', /^\/api\/v1\/bookings\/[^/]+$/],
  ['POST', /^\/api\/v1\/vehicles$/],
  ['PUT', /^\/api\/v1\/vehicles\/[^/]+$/],
  ['POST', /^\/api\/v1\/arrival-reports$/],
  ['POST', /^\/api\/v1\/enterprises$/],
]

export const SERVICE_DECOMMISSIONED = 'the service has been decommissioned: it takes no new work'

/**
 * Refuses REFUSED once the `decommissions` row exists. The row is read per such request until it
 * is seen (one indexed row), then remembered: a decommission is never undone.
 */
export function refuseAfterDecommission(deps: Deps): MiddlewareHandler<AppEnv> {
  let seen = false
  return async function refuseAfterDecommission(c, next) {
    const method = c.req.method
    const path = c.req.path
    if (REFUSED.some(([m, p]) => m === method && p.test(path))) {
      seen ||= await decommissionBegun(deps.store.db)
      if (seen) throw conflict('service_decommissioned', SERVICE_DECOMMISSIONED)
    }
    await next()
  }
}
