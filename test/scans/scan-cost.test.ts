import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, issuePass, sendEvents } from '../support/flow.ts'
import { countingStore } from '../support/statement-counter.ts'
import { recordScan } from '../../src/scans/record-scan.ts'
import { createVerifier } from '../../src/trust/key-resolver.ts'
import { DEMO_LOGINS } from '../../src/demo/seed.ts'
import { toPrincipal } from '../../src/auth/accounts.repository.ts'
import type { Deps } from '../../src/app-env.ts'

/**
 * What a valid scan costs in SQL: the reads before the decision and the statements of its one
 * atomic write. Scans are the service's hot path (bench: scans ≥ 0.6× the verify rate); these
 * numbers are a budget — a change that needs more must say why here.
 */
let t: TestApp
let deps: Deps
let counter: ReturnType<typeof countingStore>
beforeEach(async () => {
  t = await buildTestApp()
  counter = countingStore(t.store)
  deps = { store: counter.store, config: t.config, clock: t.clock }
})

/** The demo checkpoint account as the auth middleware sees it (HZ-G60-XS, HZ-TS-XS, HZ-DEST-BJ). */
async function checkpointStaff() {
  const username = DEMO_LOGINS.find((l) => l.role === 'checkpoint')!.username
  return toPrincipal(
    await t.store.db
      .selectFrom('accounts')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirstOrThrow(),
  )
}

async function scanCounted(token: string, checkpointCode: string) {
  const principal = await checkpointStaff()
  const verifier = createVerifier(deps)
  counter.take()
  const answer = JSON.parse(
    await recordScan(deps, verifier, principal, {
      id: crypto.randomUUID(),
      token,
      checkpoint_code: checkpointCode,
    }),
  )
  return { answer, ...counter.take() }
}

describe('the SQL a valid scan runs', () => {
  it('an entry scan that opens the loop: 3 reads, 6 statements in one write', async () => {
    const pass = await issuePass(t)
    const { answer, reads, writes } = await scanCounted(pass.token, 'HZ-G60-XS')
    expect(answer).toMatchObject({ verdict: 'valid', loop: { state: 'arrived' } })
    // Reads: the scan id and checkpoint; the pass, its firm and the plate's loops; the arrival report.
    // Writes: guard, loop, arrived event, involvement, scan, audit.
    expect({ reads, writes }).toEqual({ reads: 3, writes: 6 })
  })

  it('a destination scan on a released loop: 3 reads, 5 statements in one write', async () => {
    const pass = await issuePass(t)
    const opened = await scanCounted(pass.token, 'HZ-G60-XS')
    const loopId = opened.answer.loop.id
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'COST-1', tests: ['pcr'] }),
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    const { answer, reads, writes } = await scanCounted(pass.token, 'HZ-DEST-BJ')
    expect(answer).toMatchObject({
      verdict: 'valid',
      loop: { id: loopId, state: 'at_destination' },
    })
    // Reads: the scan id and checkpoint; the pass, its firm and the plate's loops; the loop's events.
    // Writes: the destination_arrived event, the guarded projection update and its dirty fallback,
    // scan, audit (the destination is involved already, and the loop stays open).
    expect({ reads, writes }).toEqual({ reads: 3, writes: 5 })
  })
})
