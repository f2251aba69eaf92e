// Baseline: a bare Hono app on @hono/node-server answering a small JSON, started the same way as
// the service (`node --import tsx`), so the scan figures can be quoted as a ratio to it.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.get('/', (c) => c.json({ status: 'ok', service: 'bare-hono' }))
serve({
  fetch: app.fetch,
  port: Number(process.env.PORT ?? 8799),
  hostname: process.env.HOST ?? '127.0.0.1',
})
process.on('SIGTERM', () => process.exit(0))
