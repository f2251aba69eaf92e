import { beforeEach, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'
import { countingStore } from '../support/statement-counter.ts'
import { recordScan } from '../../src/scans/record-scan.ts'
import { createVerifier } from '../../src/trust/key-resolver.ts'
import { DEMO_LOGINS } from '../../src/demo/seed.ts'
import { toPrincipal } from '../../src/auth/accounts.repository.ts'
import type { Deps } from '../../src/app-env.ts'

// The booking on a scan at a station costs one read (the pass's live booking there, read beside
// the plate's loops) and, when there is one, one statement in the scan's own write. Scans
// elsewhere read nothing more (test/scans/scan-cost.test.ts keeps their budget).

let t: TestApp
let deps: Deps
let counter: ReturnType<typeof countingStore>
beforeEach(async () => {
  t = await buildTestApp()
  counter = countingStore(t.store)
  deps = { store: counter.store, config: t.config, clock: t.clock }
})

async function stationScan(token: string) {
  const username = DEMO_LOGINS.find((l) => l.role === 'checkpoint')!.username
  const principal = toPrincipal(
    await t.store.db
      .selectFrom('accounts')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirstOrThrow(),
  )
  const verifier = createVerifier(deps)
  counter.take()
  const answer = JSON.parse(
    await recordScan(deps, verifier, principal, {
      id: crypto.randomUUID(),
      token,
      checkpoint_code: 'HZ-TS-XS',
    }),
  )
  return { answer, ...counter.take() }
}

async function releasedToStation() {
  const { pass, loopId } = await openLoop(t)
  await sendEvents(t, [
    event(t, loopId, 'sampled', { tube_code: 'COST-ST', tests: ['pcr'] }),
    event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' }),
  ])
  return pass
}

describe('the SQL of a scan at a station’s checkpoint', () => {
  it('without a booking: one read more than a destination scan, no extra write', async () => {
    const pass = await releasedToStation()
    const { answer, reads, writes } = await stationScan(pass.token)
    expect(answer.booking).toMatchObject({ timing: 'none' })
    expect({ reads, writes }).toEqual({ reads: 4, writes: 5 })
  })

  it('with a booking: the booking marked arrived in the same write (one statement more)', async () => {
    const pass = await releasedToStation()
    const at = t.clock().toISOString()
    await sql`INSERT INTO station_bookings (id, station_code, pass_number, enterprise_id, plate,
        starts_at, ends_at, status, created_by, created_at, updated_at)
      VALUES ('bk-cost', 'HZ-XS-01', ${pass.number}, 'demo-ent-1', ${pass.plate},
        '2026-11-29T08:00:00.000Z', '2026-11-29T09:00:00.000Z', 'booked', 'test', ${at}, ${at})`.execute(
      t.store.db,
    )
    const { answer, reads, writes } = await stationScan(pass.token)
    expect(answer.booking).toMatchObject({ id: 'bk-cost', timing: 'on_time' })
    expect({ reads, writes }).toEqual({ reads: 4, writes: 6 })
  })
})
