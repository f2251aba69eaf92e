import { OpenAPIHono } from '@hono/zod-openapi'
import { requestId } from 'hono/request-id'
import { sql } from 'kysely'
import type { AppEnv, Deps } from './app-env.ts'
import { errorAnswer, handleError } from './http/errors.ts'
import { limitBody } from './http/body-limit.ts'
import { securityHeaders } from './http/security-headers.ts'
import { authenticate } from './auth/middleware.ts'
import { authRoutes } from './auth/routes.ts'
import { checkDevice } from './devices/device-check.ts'
import { regionRoutes } from './regions/routes.ts'
import { stationRoutes } from './stations/routes.ts'
import { stationBoardRoutes } from './stations/station-board-routes.ts'
import { bookingRoutes } from './stations/booking-routes.ts'
import { checkpointRoutes } from './checkpoints/routes.ts'
import { enterpriseRoutes } from './enterprises/routes.ts'
import { applicationRoutes } from './applications/routes.ts'
import { vehicleRoutes } from './vehicles/routes.ts'
import { bulkApplicationRoutes } from './applications/bulk/routes.ts'
import { passRoutes } from './passes/routes.ts'
import { createVerifier } from './trust/key-resolver.ts'
import { jwksRoute, trustRoutes } from './trust/routes.ts'
import { publishRoutes } from './trust/publish-routes.ts'
import { scanRoutes } from './scans/routes.ts'
import { loopRoutes } from './loops/routes.ts'
import { alertRoutes } from './alerts/routes.ts'
import { alertDecisionRoutes } from './loops/alert-decision-routes.ts'
import { approveRoute } from './passes/approve-route.ts'
import { auditRoutes } from './audit/routes.ts'
import { reportCsv } from './ui/audit-csv.ts'
import { arrivalRoutes } from './arrivals/routes.ts'
import { deviceRoutes } from './devices/routes.ts'
import { subjectRoutes } from './personal-data/subject-routes.ts'
import { dataKeyRoutes } from './personal-data/data-key-routes.ts'
import { receiptRoutes } from './receipts/routes.ts'
import { revealRoutes } from './personal-data/reveal-routes.ts'
import { uiRoutes } from './ui/routes.tsx'
import { driverRoutes } from './ui/pages/driver/driver-page.tsx'
import { apiDocsRoutes } from './ui/api-docs.ts'
import { decommissionRoutes } from './decommission/routes.ts'
import { refuseAfterDecommission } from './decommission/refuse-after-decommission.ts'
import { OPENAPI_INFO, SECURITY_SCHEMES } from './openapi-info.ts'

export type { Deps } from './app-env.ts'

/** The whole service as one Hono app; `node.ts` and `worker.ts` only build `deps` and serve it. */
export function createApp(deps: Deps) {
  const app = new OpenAPIHono<AppEnv>()

  app.use('*', requestId())
  app.use('*', securityHeaders())
  app.use(
    '*',
    limitBody({
      maxSize: deps.config.BODY_LIMIT_BYTES,
      onError: (c) =>
        errorAnswer(
          c,
          413,
          'body_too_large',
          `request body over ${deps.config.BODY_LIMIT_BYTES} bytes`,
        ),
    }),
  )
  app.use('/api/v1/*', authenticate(deps))
  app.use('/api/v1/*', checkDevice(deps))
  app.use('/api/v1/*', refuseAfterDecommission(deps))

  app.get('/healthz', async (c) => {
    await sql`SELECT 1`.execute(deps.store.db)
    return c.json({ status: 'ok' })
  })

  const verifier = createVerifier(deps)
  const api = [
    authRoutes,
    regionRoutes,
    stationRoutes,
    stationBoardRoutes,
    bookingRoutes,
    checkpointRoutes,
    enterpriseRoutes,
    bulkApplicationRoutes,
    applicationRoutes,
    vehicleRoutes,
    approveRoute,
    passRoutes,
    loopRoutes,
    receiptRoutes,
    alertRoutes,
    alertDecisionRoutes,
    arrivalRoutes,
    deviceRoutes,
    revealRoutes,
    subjectRoutes,
    dataKeyRoutes,
    decommissionRoutes,
  ]
  for (const routes of api) app.route('/api/v1', routes(deps))
  app.route('/api/v1', auditRoutes(deps, reportCsv))
  app.route('/api/v1', trustRoutes(deps, verifier))
  app.route('/api/v1', publishRoutes(deps))
  app.route('/api/v1', scanRoutes(deps, verifier))
  app.route('/', jwksRoute(deps))
  // The driver's page: no sign-in, before the pages' session middleware.
  app.route('/', driverRoutes(deps))
  app.route('/', uiRoutes(deps))

  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES))
    app.openAPIRegistry.registerComponent('securitySchemes', name, scheme)
  // Built once, on first request: the routes do not change while the process runs. Both addresses
  // answer the same document (API.md names /api/openapi.json; /api/v1/ keeps it beside the API).
  let document: ReturnType<typeof app.getOpenAPI31Document> | undefined
  const openApiDocument = () =>
    (document ??= app.getOpenAPI31Document({ openapi: '3.1.0', info: OPENAPI_INFO }))
  app.get('/api/openapi.json', (c) => c.json(openApiDocument()))
  app.get('/api/v1/openapi.json', (c) => c.json(openApiDocument()))
  app.route('/', apiDocsRoutes('/api/openapi.json'))

  app.notFound((c) =>
    errorAnswer(c, 404, 'route_not_found', `no route for ${c.req.method} ${c.req.path}`),
  )
  app.onError(handleError)
  return app
}
