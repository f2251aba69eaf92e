import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CHECKPOINTS, makePass, newWorld, type Pass } from './support/workload.ts'
import { freePort, startServer, type RunningServer } from './support/server.ts'

/**
 * One enterprise account asking for many large QR PNGs at once must not hold up the checkpoints.
 * The real server over HTTP: the firm keeps 32 requests for 1024-pixel PNGs of its passes in
 * flight (each size of each pass a new image, so no cache answers them) while checkpoint staff
 * scan. Every scan must be answered 200; a scan left waiting longer than STARVED_MS counts as
 * starved. That bound is no latency target (scans answer in milliseconds): it is what a scanner's
 * user would give up after. Before, drawing one 1024-pixel PNG held the event loop about 100 ms,
 * and each scan waited behind dozens of them at every step of its work. The bench measures the
 * latency itself (`npm run bench`, "scans while PNGs are fetched").
 */
const PNG_CLIENTS = 32
const SCANS = 60
const SCAN_CLIENTS = 4
const STARVED_MS = 8_000

const servers: RunningServer[] = []
const dirs: string[] = []
afterAll(async () => {
  for (const server of servers) await server.kill()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('QR images under load', () => {
  it(
    'keeps answering scans while one account fetches many large PNGs in parallel',
    { timeout: 180_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tongxing-qr-load-'))
      dirs.push(dataDir)
      const server = await startServer({ dataDir, port: await freePort() })
      servers.push(server)
      const world = await newWorld(server.url)
      const passes: Pass[] = []
      for (let i = 0; i < 12; i++) passes.push((await makePass(world))!)

      let scansDone = false
      const pngStatuses: Record<number, number> = {}
      let pngBytes = 0
      let nextImage = 0
      const pngClient = async () => {
        while (!scansDone) {
          const n = nextImage++
          // 12 passes × widths 1024, 1023, …: every request a new image while the scans run.
          const pass = passes[n % passes.length]
          const width = 1024 - Math.floor(n / passes.length)
          const res = await fetch(
            `${server.url}/api/v1/passes/${pass.number}/qr.png?width=${width}`,
            { headers: { authorization: `Bearer ${world.tokens.enterprise}` } },
          )
          pngBytes += (await res.arrayBuffer()).byteLength
          pngStatuses[res.status] = (pngStatuses[res.status] ?? 0) + 1
        }
      }

      const scanOutcomes: string[] = []
      let nextScan = 0
      const scanClient = async () => {
        while (nextScan < SCANS) {
          const k = nextScan++
          try {
            const res = await fetch(`${server.url}/api/v1/scans`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                authorization: `Bearer ${world.tokens.checkpoint}`,
              },
              body: JSON.stringify({
                id: crypto.randomUUID(),
                token: passes[k % passes.length].token,
                checkpoint_code: CHECKPOINTS[k % CHECKPOINTS.length],
              }),
              signal: AbortSignal.timeout(STARVED_MS),
            })
            await res.text()
            scanOutcomes.push(String(res.status))
          } catch (error) {
            scanOutcomes.push(
              error instanceof Error && error.name === 'TimeoutError' ? 'starved' : String(error),
            )
          }
        }
      }

      const fetchers = Array.from({ length: PNG_CLIENTS }, pngClient)
      // The PNG requests are under way before the first scan is sent.
      while (nextImage < PNG_CLIENTS) await new Promise((resolve) => setTimeout(resolve, 5))
      await Promise.all(Array.from({ length: SCAN_CLIENTS }, scanClient)).finally(
        () => (scansDone = true),
      )
      await Promise.all(fetchers)

      expect(scanOutcomes).toEqual(Array(SCANS).fill('200'))
      // The PNGs were drawn meanwhile, not refused: all 200, and more of them than scans.
      expect(Object.keys(pngStatuses)).toEqual(['200'])
      expect(pngStatuses[200]).toBeGreaterThan(PNG_CLIENTS)
      expect(pngBytes).toBeGreaterThan(0)
      await server.stop()
    },
  )
})
