import { describe, expect, it } from 'vitest'
import { alertKindOrder } from '../../src/alerts/urgency.ts'
import { buildTestApp } from '../support/test-app.ts'

describe('alerts list query plan', () => {
  it('reads one status most urgent first straight off an index, without sorting every alert', async () => {
    const t = await buildTestApp({ seed: false })
    // The same order the route uses for one status; the index repeats alertKindOrder's expression.
    const compiled = t.store.db.selectFrom('alerts').selectAll().where('status', '=', 'open').orderBy(alertKindOrder).orderBy('opened_at', 'desc').limit(200).compile()
    const plan = (t.sqlite.prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail).join(' | ')
    expect(plan).toMatch(/INDEX alerts_by_status_urgency/)
    expect(plan).not.toMatch(/TEMP B-TREE/)
  })
})
