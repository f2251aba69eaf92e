// Bundles the Node entry (src/node.ts) and the SQLite write and checkpoint threads into dist/server, so `npm start`
// runs plain JavaScript: no TypeScript loader in the server process (it costs memory and a loader
// thread). Packages stay in node_modules; `schema/` is read from the repository as in development.
// Each file is written aside and renamed into place, so a server starting meanwhile (tests build
// this in parallel) never loads half a file.
import { build } from 'esbuild'
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

const started = performance.now()
const result = await build({
  entryPoints: [
    'src/node.ts',
    'src/db/sqlite-write-thread.mjs',
    'src/db/sqlite-checkpoint-thread.mjs',
  ],
  outdir: 'dist/server',
  entryNames: '[name]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
})
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true })
  const aside = `${file.path}.${process.pid}.tmp`
  writeFileSync(aside, file.contents)
  renameSync(aside, file.path)
}
console.log(`dist/server built in ${Math.round(performance.now() - started)} ms`)
