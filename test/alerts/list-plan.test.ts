import { describe, expect, it } from 'vitest'
import { alertsQuery, type AlertFilter } from '../../src/alerts/alerts.repository.ts'
import { buildTestApp } from '../support/test-app.ts'

describe('alerts list query plan', () => {
  const planOf = async (filter: AlertFilter) => {
    const t = await buildTestApp({ seed: false })
    // The query the API's list and the coordinators' alert page both run.
    const compiled = alertsQuery(t.store.db, filter).limit(200).compile()
    return (
      t.sqlite
        .prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`)
        .all(...(compiled.parameters as unknown[])) as { detail: string }[]
    )
      .map((r) => r.detail)
      .join(' | ')
  }

  it('reads one status most urgent first straight off an index, without sorting every alert', async () => {
    const plan = await planOf({ status: 'open' })
    expect(plan).toMatch(/INDEX alerts_by_status_urgency/)
    expect(plan).not.toMatch(/TEMP B-TREE/)
  })

  it('reads the active alerts (open or acknowledged) through an index, never every alert ever raised', async () => {
    const plan = await planOf({ status: 'active' })
    expect(plan).toMatch(/SEARCH alerts USING (COVERING )?INDEX alerts_by_status/)
    expect(plan).not.toMatch(/SCAN alerts(?! USING)/)
  })
})
