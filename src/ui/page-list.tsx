import type { Context } from 'hono'
import type { AppEnv, Deps } from '../app-env.ts'
import type { Role } from '../auth/accounts.table.ts'
import type { PageContext } from './layout.tsx'
import { applyPage, passPage, passesPage } from './pages/enterprise.tsx'
import { reportsPage } from './pages/enterprise/reports.tsx'
import { bulkPage } from './pages/enterprise/bulk.tsx'
import { publicOriginOf } from '../passes/driver-url.ts'
import { trucksPage } from './pages/enterprise/trucks.tsx'
import { vehiclesPage } from './pages/enterprise/vehicles.tsx'
import { arrivalsPage, scanPage } from './pages/checkpoint.tsx'
import { queuePage } from './pages/coordinator/queue.tsx'
import { enterprisePage, enterprisesPage } from './pages/coordinator/whitelist.tsx'
import { regionsPage } from './pages/coordinator/regions.tsx'
import { loopPage, loopsPage } from './pages/coordinator/loops.tsx'
import { alertsPage } from './pages/coordinator/alerts.tsx'
import { passSearchPage } from './pages/coordinator/passes.tsx'
import { auditPage, auditReportPage } from './pages/coordinator/audit.tsx'
import { accountsPage } from './pages/coordinator/accounts.tsx'
import { stationsPage } from './pages/coordinator/stations.tsx'
import { ownStationBoardPage, stationBoardPage } from './pages/checkpoint/station-board.tsx'
import { trustPage } from './pages/coordinator/trust.tsx'
import { deviceActivityPage, devicesPage } from './pages/coordinator/devices.tsx'
import { personalDataPage } from './pages/coordinator/personal-data-page.tsx'
import { decommissionPage } from './pages/admin/decommission.tsx'

/** Registers one page for `roles` (see uiRoutes: sign-in redirect, 403 for other roles, 404 on null). */
export type PageRegistrar = (
  path: string,
  roles: Role[],
  render: (ctx: PageContext, c: Context<AppEnv>) => Promise<unknown> | unknown,
) => void

/** Every page of every role, one line each. */
export function registerPages(page: PageRegistrar, deps: Deps) {
  page('/ui/apply', ['enterprise'], (ctx) => applyPage(deps, ctx))
  page('/ui/applications/bulk', ['enterprise'], (ctx) => bulkPage(deps, ctx))
  page('/ui/reports', ['enterprise'], (ctx, c) => reportsPage(deps, ctx, c.req.query()))
  page('/ui/trucks', ['enterprise'], (ctx, c) => trucksPage(deps, ctx, c.req.query()))
  page('/ui/vehicles', ['enterprise'], (ctx) => vehiclesPage(deps, ctx))
  page('/ui/passes', ['enterprise', 'coordinator'], (ctx, c) =>
    ctx.principal?.role === 'enterprise'
      ? passesPage(deps, ctx)
      : passSearchPage(deps, ctx, c.req.query()),
  )
  page('/ui/passes/:number', ['enterprise', 'coordinator'], (ctx, c) =>
    passPage(deps, ctx, c.req.param('number') ?? '', publicOriginOf(deps, c)),
  )
  page('/ui/scan', ['checkpoint'], (ctx) => scanPage(deps, ctx))
  page('/ui/arrivals', ['checkpoint', 'coordinator'], (ctx) => arrivalsPage(deps, ctx))
  page('/ui/queue', ['coordinator'], (ctx, c) => queuePage(deps, ctx, c.req.query()))
  page('/ui/enterprises', ['coordinator'], (ctx) => enterprisesPage(deps, ctx))
  page('/ui/enterprises/:id', ['coordinator'], (ctx, c) =>
    enterprisePage(deps, ctx, c.req.param('id') ?? ''),
  )
  page('/ui/regions', ['coordinator'], (ctx) => regionsPage(deps, ctx))
  page('/ui/loops', ['coordinator'], (ctx, c) => loopsPage(deps, ctx, c.req.query()))
  page('/ui/loops/:id', ['coordinator', 'checkpoint'], (ctx, c) =>
    loopPage(deps, ctx, c.req.param('id') ?? ''),
  )
  page('/ui/alerts', ['coordinator'], (ctx, c) => alertsPage(deps, ctx, c.req.query()))
  page('/ui/audit', ['coordinator'], (ctx, c) => auditPage(deps, ctx, c.req.query()))
  page('/ui/audit/:id', ['coordinator'], (ctx, c) =>
    auditReportPage(deps, ctx, c.req.param('id') ?? '', c.req.query()),
  )
  page('/ui/accounts', ['coordinator'], (ctx) => accountsPage(deps, ctx))
  page('/ui/stations', ['coordinator'], (ctx) => stationsPage(deps, ctx))
  page('/ui/stations/:code/board', ['checkpoint', 'coordinator'], (ctx, c) =>
    stationBoardPage(deps, ctx, c.req.param('code') ?? '', c.req.query('date')),
  )
  page('/ui/station-board', ['checkpoint'], (ctx, c) =>
    ownStationBoardPage(deps, ctx, c.req.query('date')),
  )
  page('/ui/trust', ['coordinator'], (ctx) => trustPage(deps, ctx))
  page('/ui/devices', ['coordinator'], (ctx, c) => devicesPage(deps, ctx, c.req.query()))
  page('/ui/devices/:id', ['coordinator'], (ctx, c) =>
    deviceActivityPage(deps, ctx, c.req.param('id') ?? '', c.req.query()),
  )
  page('/ui/personal-data', ['coordinator'], (ctx, c) => personalDataPage(deps, ctx, c.req.query()))
  page('/ui/decommission', ['admin'], (ctx) => decommissionPage(deps, ctx))
}
