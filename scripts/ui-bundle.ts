import type { BuildOptions } from 'esbuild'

// How the browser scripts of src/ui/client are bundled: by scripts/build-ui.ts for the pages, and
// with the same options by the tests that run the server's rules against what the page bundles.
export const UI_ENTRIES = {
  app: 'src/ui/client/app.ts',
  scan: 'src/ui/client/scan.ts',
  sw: 'src/ui/client/sw.ts',
  bulk: 'src/ui/client/bulk-upload.ts',
}

export const UI_BUILD_OPTIONS = {
  bundle: true,
  format: 'iife',
  target: 'es2022',
  minify: true,
  write: false,
  legalComments: 'none',
} as const satisfies BuildOptions
