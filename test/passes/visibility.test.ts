import { beforeAll, describe, expect, it } from 'vitest'
import {
  findVisiblePass,
  visiblePassesQuery,
  type PassViewer,
} from '../../src/passes/passes.repository.ts'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'

// The one pass-visibility rule the API and the pages both read through.
describe('which passes a viewer may see', () => {
  let t: TestApp
  let number: string
  const coordinator: PassViewer = { coordinator: true, enterpriseId: null }
  const ownFirm: PassViewer = { coordinator: false, enterpriseId: 'demo-ent-1' }
  const otherFirm: PassViewer = { coordinator: false, enterpriseId: 'demo-ent-2' }
  const noFirm: PassViewer = { coordinator: false, enterpriseId: null }
  const listed = async (viewer: PassViewer, enterpriseId?: string) =>
    (await visiblePassesQuery(t.store.db, viewer, { now: t.clock(), enterpriseId }).execute()).map(
      (p) => p.number,
    )

  beforeAll(async () => {
    t = await buildTestApp()
    number = (await issuePass(t)).number
  })

  it('shows a pass to coordinators and to its own firm only', async () => {
    expect((await findVisiblePass(t.store.db, coordinator, number))?.number).toBe(number)
    expect((await findVisiblePass(t.store.db, ownFirm, number))?.number).toBe(number)
    expect(await findVisiblePass(t.store.db, otherFirm, number)).toBeUndefined()
    expect(await findVisiblePass(t.store.db, noFirm, number)).toBeUndefined()
  })

  it('lists a firm its own passes whatever firm it asks for, and an account bound to no firm none', async () => {
    expect(await listed(ownFirm)).toEqual([number])
    expect(await listed(otherFirm, 'demo-ent-1')).toEqual([])
    expect(await listed(noFirm)).toEqual([])
  })

  it('lets a coordinator list every firm’s passes or narrow to one', async () => {
    expect(await listed(coordinator)).toContain(number)
    expect(await listed(coordinator, 'demo-ent-2')).toEqual([])
  })
})
