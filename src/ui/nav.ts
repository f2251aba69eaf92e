import { isCoordinator } from '../auth/principal.ts'
import { MESSAGES } from './i18n.ts'
import type { PageContext } from './layout.tsx'

/** Each role's navigation: every job of the role has a page, and every page is reachable from here. */
export const navFor = (ctx: PageContext): [string, string][] => {
  const t = MESSAGES[ctx.lang]
  const p = ctx.principal
  if (!p) return []
  if (p.role === 'enterprise')
    return [
      ['/ui/apply', t.apply],
      ['/ui/vehicles', t.navVehicles],
      ['/ui/applications/bulk', t.navBulk],
      ['/ui/passes', t.myPasses],
      ['/ui/trucks', t.navTrucks],
      ['/ui/reports', t.navReports],
    ]
  if (p.role === 'checkpoint')
    return [
      ['/ui/scan', t.scan],
      ['/ui/arrivals', t.navReports],
      // The account's station board (says so when none of its checkpoints is at a station).
      ['/ui/station-board', t.sbLink],
    ]
  if (isCoordinator(p)) {
    const adminOnly: [string, string][] =
      p.role === 'admin' ? [['/ui/decommission', t.decomNav]] : []
    return [
      ['/ui/queue', t.queue],
      ['/ui/passes', t.navPasses],
      ['/ui/enterprises', t.whitelist],
      ['/ui/regions', t.regions],
      ['/ui/loops', t.openLoops],
      ['/ui/alerts', t.alerts],
      ['/ui/audit', t.audit],
      ['/ui/personal-data', t.revealNav],
      ['/ui/stations', t.navStations],
      ['/ui/accounts', t.navAccounts],
      ['/ui/trust', t.navTrust],
      ['/ui/devices', t.navDevices],
      ...adminOnly,
    ]
  }
  return []
}
