import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, sleep, startServer, type RunningServer } from './support/server.ts'
import { CHECKPOINTS, call, client, makePass, newWorld, scanOnce } from './support/workload.ts'
import { checkDatabase } from './support/invariants.ts'

/**
 * Crash safety of the real server: several clients send loop events and scans while the server is
 * killed with SIGKILL at random moments and restarted on the same DATA_DIR. Afterwards the SQLite
 * file is read directly: every write the server acknowledged is there exactly once, nothing is
 * half-written, the projections follow from the events, and the file passes `integrity_check`.
 *
 * `npm test` runs a short version (CRASH_ROUNDS=3); `npm run test:crash` runs 20 rounds.
 */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3)
const CLIENTS = Number(process.env.CRASH_CLIENTS ?? 4)
const KEEP = process.env.CRASH_KEEP_DATA === '1'

let server: RunningServer | undefined
const dataDir = mkdtempSync(join(tmpdir(), 'tongxing-crash-'))
afterAll(async () => {
  await server?.kill()
  if (!KEEP) rmSync(dataDir, { recursive: true, force: true })
})

describe('crash safety', () => {
  it(
    `keeps every acknowledged write through ${ROUNDS} SIGKILLs under concurrent load`,
    { timeout: 60_000 + ROUNDS * 15_000 },
    async () => {
      const port = await freePort()
      // Sweeps and audit seals every few hundred ms, so kills also land inside them.
      const env = { SWEEP_INTERVAL_MS: '300', SEAL_INTERVAL_MS: '250' }
      server = await startServer({ dataDir, port, env })
      const world = await newWorld(server.url)
      const { gate, acks } = world

      // A few passes, each with an open loop (a valid scan at the highway exit).
      for (let i = 0; i < 6; i++) {
        const pass = await makePass(world)
        expect(pass).not.toBeNull()
        const answer = await scanOnce(world, pass!, CHECKPOINTS[0])
        expect(answer).toMatchObject({ verdict: 'valid', loop: { state: 'arrived' } })
      }

      let stopping = false
      const stop = () => stopping
      const clients = Array.from({ length: CLIENTS }, () => client(world, stop))
      const failed = Promise.race(clients.map((c) => c.then(() => new Promise<never>(() => {}))))
      const kills: number[] = []
      const chaos = (async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const wait = 250 + Math.floor(Math.random() * 1500)
          await sleep(wait)
          kills.push(wait)
          gate.down()
          await server!.kill()
          server = await startServer({ dataDir, port, env })
          gate.up(server.url)
        }
        await sleep(500)
        stopping = true
        await Promise.all(clients)
      })()
      // A client that throws (a wrong answer) fails the test at once.
      await Promise.race([chaos, failed])
      expect(acks.stats.serverErrors).toEqual([])

      // Reads settle what the crashes left for later: dirty loop projections, unsigned pass tokens.
      for (const loopId of world.loops) {
        const loop = await call(gate, acks, 'GET', `/api/v1/loops/${loopId}`, {
          token: world.tokens.coordinator,
        })
        expect(loop?.status).toBe(200)
      }
      for (const number of acks.passes.keys()) {
        const pass = await call(gate, acks, 'GET', `/api/v1/passes/${number}`, {
          token: world.tokens.coordinator,
        })
        expect(pass?.status).toBe(200)
        expect(pass?.json.token).toMatch(/^ey/)
      }
      await sleep(400) // one more audit seal
      const audit = await call(gate, acks, 'GET', '/api/v1/audit/verify', {
        token: world.tokens.coordinator,
      })
      expect(audit?.json).toMatchObject({ ok: true })

      // And one last SIGKILL before the file is read.
      await server.kill()
      server = undefined
      const report = checkDatabase(join(dataDir, 'tongxing.db'), acks, { projectionsSettled: true })
      console.log(
        `crash test: ${kills.length} SIGKILLs (+1 final), ${acks.events.size} acknowledged events ` +
          `(${acks.stats.duplicateOnRetry} acknowledged as duplicate on a retry after a crash), ${acks.scans.size} acknowledged scans, ` +
          `${acks.passes.size} acknowledged passes, ${acks.rejectedEvents.size} rejected events; ${acks.stats.requests} requests, ` +
          `${acks.stats.connectionErrors} cut by a crash, ${acks.stats.retries} retries; statuses ${JSON.stringify(acks.stats.statuses)}; ` +
          `in the file: ${JSON.stringify(report.counts)}`,
      )
      expect(report.problems).toEqual([])
      expect(acks.events.size).toBeGreaterThan(0)
      expect(acks.scans.size).toBeGreaterThan(0)
      expect(kills.length).toBe(ROUNDS)
    },
  )
})
