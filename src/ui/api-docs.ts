import { Hono } from 'hono'
import { DOCS_PAGE_POLICY } from '../http/security-headers.ts'

/**
 * The interactive API docs at /api/docs: Swagger UI served from the pinned swagger-ui-dist package,
 * bundled into src/ui/generated/docs-assets.ts by scripts/build-ui.ts (the Worker cannot read
 * node_modules), so the page works with no internet and loads nothing from another origin.
 */
export function apiDocsRoutes(documentUrl: string) {
  const app = new Hono()
  // Loaded on first use: most processes never serve the docs, and the bundle is ~2 MB of text.
  const assets = () => import('./generated/docs-assets.ts')

  app.get('/api/docs', async (c) => {
    const { DOCS_VERSION } = await assets()
    c.header('Content-Security-Policy', DOCS_PAGE_POLICY)
    return c.html(docsPage(DOCS_VERSION, documentUrl))
  })
  app.get('/api/docs/init.js', (c) =>
    c.body(INIT_SCRIPT, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300',
    }),
  )
  for (const [name, type] of [
    ['swagger-ui.css', 'text/css; charset=utf-8'],
    ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ] as const) {
    app.get(`/api/docs/${name}`, async (c) => {
      const { DOCS_ASSETS } = await assets()
      // The page asks for `?v=<package version>`, so a new pin is a new address: cache for a year.
      return c.body(DOCS_ASSETS[name], 200, {
        'content-type': type,
        'cache-control': 'public, max-age=31536000, immutable',
      })
    })
  }
  return app
}

/** The page: no inline script (the policy allows none), every asset from our own origin. */
const docsPage = (version: string, documentUrl: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tongxing 通行 — API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css?v=${version}">
</head>
<body>
<div id="swagger-ui" data-url="${documentUrl}"></div>
<script src="/api/docs/swagger-ui-bundle.js?v=${version}"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`

/**
 * Starts Swagger UI on the document the page names (`data-url`). `validatorUrl: 'none'` keeps it
 * from sending the document to swagger.io's online validator.
 */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: document.getElementById('swagger-ui').dataset.url,
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: 'none',
})
`
