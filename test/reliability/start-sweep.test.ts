import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { CHECKPOINTS, call, makePass, newWorld, scanOnce } from './support/workload.ts'
import { freePort, startServer, type RunningServer } from './support/server.ts'

/**
 * A loop projection can be left dirty by a crash between storing events and refreshing their loop,
 * or be copied dirty into a backup. The real server settles such loops when it starts, before it
 * answers its first request — not only on the next read of the loop or the next timed sweep.
 */
const servers: RunningServer[] = []
const dirs: string[] = []
afterAll(async () => {
  for (const server of servers) await server.kill()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('start of the Node server', () => {
  it(
    'settles loop projections left dirty, more than one sweep’s worth, before it answers',
    { timeout: 60_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tongxing-start-'))
      dirs.push(dataDir)
      const first = await startServer({ dataDir, port: await freePort() })
      servers.push(first)
      const world = await newWorld(first.url)
      const pass = await makePass(world)
      const scanned = await scanOnce(world, pass!, CHECKPOINTS[0])
      const loopId = scanned.loop.id as string
      const sampled = {
        id: crypto.randomUUID(),
        loop_id: loopId,
        kind: 'sampled',
        at: new Date().toISOString(),
        checkpoint_code: CHECKPOINTS[0],
        data: { tube_code: 'TB-1', tests: ['pcr'] },
      }
      const stored = await call(world.gate, world.acks, 'POST', '/api/v1/events', {
        token: world.tokens.checkpoint,
        body: { events: [sampled] },
      })
      expect(stored?.json.results[0].status).toBe('accepted')
      await first.stop()

      // As a crash would leave it: the events are stored, the loop row still says `arrived`.
      const file = join(dataDir, 'tongxing.db')
      const edit = new Sqlite(file)
      edit
        .prepare(
          "UPDATE loops SET state = 'arrived', sampled_at = NULL, result_due_at = NULL, dirty = 1 WHERE id = ?",
        )
        .run(loopId)
      // And more than one sweep's worth (500) of manual loops whose rows disagree with their events.
      const at = new Date().toISOString()
      const addLoop = edit.prepare(
        `INSERT INTO loops (id, plate, entry_checkpoint_code, opened_at, opened_by, manual, state, alerting, flagged_events, last_checkpoint_code, dirty, updated_at)
       VALUES (?, ?, 'HZ-G60-XS', ?, 'checkpoint:test', 1, 'released', 0, 0, 'HZ-G60-XS', 1, ?)`,
      )
      const addArrival = edit.prepare(
        `INSERT INTO loop_events (id, loop_id, kind, at, checkpoint_code, data, recorded_by, received_at) VALUES (?, ?, 'arrived', ?, 'HZ-G60-XS', NULL, 'checkpoint:test', ?)`,
      )
      edit.transaction(() => {
        for (let i = 0; i < 1_200; i++) {
          const id = crypto.randomUUID()
          addLoop.run(id, `浙Z${String(i).padStart(5, '0')}`, at, at)
          addArrival.run(crypto.randomUUID(), id, at, at)
        }
      })()
      edit.close()

      const second = await startServer({
        dataDir,
        port: await freePort(),
        env: { SWEEP_INTERVAL_MS: '3600000' },
      })
      servers.push(second)
      // Nothing has read the loop, and the timed sweep is an hour away.
      const read = new Sqlite(file, { readonly: true })
      const loop = read
        .prepare('SELECT state, dirty, sampled_at, result_due_at FROM loops WHERE id = ?')
        .get(loopId) as Record<string, unknown>
      const stale = read
        .prepare(
          "SELECT count(*) FROM loops WHERE dirty = 1 OR (manual = 1 AND state != 'arrived')",
        )
        .pluck()
        .get()
      read.close()
      expect(stale).toBe(0)
      expect(loop).toMatchObject({ state: 'sampled', dirty: 0, sampled_at: sampled.at })
      expect(loop.result_due_at).not.toBeNull()
      await second.stop()
    },
  )
})
