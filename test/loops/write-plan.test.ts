import { describe, expect, it } from 'vitest'
import { CompiledQuery } from 'kysely'
import { writePlan } from '../../src/loops/write-plan.ts'
import type { Compilable } from '../../src/db/store.ts'

const statement = (text: string) => CompiledQuery.raw(text, [])

describe('a write plan', () => {
  it('runs its statements in the order added, in one atomic call, and gives results by name', async () => {
    const calls: string[][] = []
    const store = {
      atomic: async (queries: readonly Compilable[]) => {
        calls.push(queries.map((q) => (q as CompiledQuery).sql))
        return queries.map((q, i) => ({ rows: [{ text: (q as CompiledQuery).sql }], changes: i }))
      },
    }
    const plan = writePlan()
      .add('guard', [statement('g')])
      .add('loop', [statement('l1'), statement('l2')])
      .add('empty', [])
      .add('guard', [statement('g2')])
    expect(plan.size).toBe(4)
    const results = await plan.run(store)
    expect(calls).toEqual([['g', 'l1', 'l2', 'g2']])
    expect(results.get('loop').map((r) => r.rows[0].text)).toEqual(['l1', 'l2'])
    expect(results.get('guard').map((r) => r.rows[0].text)).toEqual(['g', 'g2'])
    expect(results.get('empty')).toEqual([])
    expect(results.names).toEqual(['guard', 'loop'])
  })
})
