import { OpenAPIHono } from '@hono/zod-openapi'
import { swaggerUI } from '@hono/swagger-ui'
import { requestId } from 'hono/request-id'
import { sql } from 'kysely'
import type { AppEnv, Deps } from './app-env.ts'
import { errorBody, handleError } from './http/errors.ts'
import { limitBody } from './http/body-limit.ts'
import { libraryPagePolicy, securityHeaders } from './http/security-headers.ts'
import { authenticate } from './auth/middleware.ts'
import { authRoutes } from './auth/routes.ts'
import { regionRoutes } from './regions/routes.ts'
import { stationRoutes } from './stations/routes.ts'
import { checkpointRoutes } from './checkpoints/routes.ts'
import { enterpriseRoutes } from './enterprises/routes.ts'
import { applicationRoutes } from './applications/routes.ts'
import { passRoutes } from './passes/routes.ts'
import { createVerifier } from './trust/key-resolver.ts'
import { jwksRoute, trustRoutes } from './trust/routes.ts'
import { scanRoutes } from './scans/routes.ts'
import { loopRoutes } from './loops/routes.ts'
import { alertRoutes } from './alerts/routes.ts'
import { alertDecisionRoutes } from './loops/alert-decision-routes.ts'
import { approveRoute } from './passes/approve-route.ts'
import { auditRoutes } from './audit/routes.ts'
import { arrivalRoutes } from './arrivals/routes.ts'
import { receiptRoutes } from './receipts/routes.ts'
import { uiRoutes } from './ui/routes.tsx'

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
        c.json(
          errorBody('body_too_large', `request body over ${deps.config.BODY_LIMIT_BYTES} bytes`),
          413,
        ),
    }),
  )
  app.use('/api/v1/*', authenticate(deps))

  app.get('/healthz', async (c) => {
    await sql`SELECT 1`.execute(deps.store.db)
    return c.json({ status: 'ok' })
  })

  const verifier = createVerifier(deps)
  const api = [
    authRoutes,
    regionRoutes,
    stationRoutes,
    checkpointRoutes,
    enterpriseRoutes,
    applicationRoutes,
    approveRoute,
    passRoutes,
    loopRoutes,
    receiptRoutes,
    alertRoutes,
    alertDecisionRoutes,
    auditRoutes,
    arrivalRoutes,
  ]
  for (const routes of api) app.route('/api/v1', routes(deps))
  app.route('/api/v1', trustRoutes(deps, verifier))
  app.route('/api/v1', scanRoutes(deps, verifier))
  app.route('/', jwksRoute(deps))
  app.route('/', uiRoutes(deps))

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
  })
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'tongxing 通行',
      version: '1.0.0',
      description:
        'Freight passes, whitelist and transfer stations (通行证 + 白名单 + 中转站) and the checkpoint closed loop (即采即走即追).',
    },
  })
  app.get(
    '/api/docs',
    libraryPagePolicy('https://cdn.jsdelivr.net'),
    swaggerUI({ url: '/api/openapi.json' }),
  )

  app.notFound((c) =>
    c.json(errorBody('route_not_found', `no route for ${c.req.method} ${c.req.path}`), 404),
  )
  app.onError(handleError)
  return app
}
