import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'
import { residentId } from '../support/fixtures.ts'
import { dataKeyId, sealedKeyId } from '../../src/privacy/personal-data.ts'
import { openCrew, sealCrew, type LegacyCrewMember } from '../../src/vehicles/crew.ts'
import { countNotUnderCurrentKey, resealPersonalData } from '../../src/personal-data/reseal.ts'

// Crews sealed again in place: rows stored before names were sealed get their names sealed (on
// start and by the cron), and a new DATA_KEY takes over every value, with the service running.

const ID = residentId('19790101', '555')
let t: TestApp

beforeEach(async () => {
  t = await buildTestApp()
})

const deps = (config = t.config) => ({ store: t.store, config, clock: t.clock })

/** Makes an application's stored crew look as it did before migration 0027: the name in clear. */
function makeLegacy(applicationId: string) {
  const crew = JSON.parse(
    t.sqlite
      .prepare('SELECT crew FROM applications WHERE id = ?')
      .pluck()
      .get(applicationId) as string,
  )
  const legacy: LegacyCrewMember[] = crew.map((m: Record<string, string>) => ({
    name: '赵铁柱',
    id_number_enc: m.id_number_enc,
    id_number_masked: m.id_number_masked,
    phone_enc: m.phone_enc,
    phone_masked: m.phone_masked,
  }))
  t.sqlite
    .prepare('UPDATE applications SET crew = ? WHERE id = ?')
    .run(JSON.stringify(legacy), applicationId)
}

const crewOf = (id: string) =>
  t.sqlite.prepare('SELECT crew FROM applications WHERE id = ?').pluck().get(id) as string

describe('sealing crews again', () => {
  it('seals the names of crews stored before 0027, and touches nothing else', async () => {
    const pass = await issuePass(t, {
      crew: [{ name: '赵铁柱', id_number: ID, phone: '13700001111' }],
    })
    const applicationId = t.sqlite
      .prepare('SELECT application_id FROM passes WHERE number = ?')
      .pluck()
      .get(pass.number) as string
    makeLegacy(applicationId)
    const untouched = t.sqlite
      .prepare('SELECT id, crew FROM applications WHERE id <> ?')
      .all(applicationId)

    const counts = await resealPersonalData(deps(), { scope: 'legacy' })
    expect(counts.applications).toBe(1)
    const crew = crewOf(applicationId)
    expect(crew).not.toContain('赵铁柱')
    expect(JSON.parse(crew)[0].name_masked).toBe('赵*柱')
    expect(await openCrew([t.config.DATA_KEY], crew)).toEqual([
      { name: '赵铁柱', id_number: ID, phone: '13700001111' },
    ])
    expect(
      t.sqlite.prepare('SELECT id, crew FROM applications WHERE id <> ?').all(applicationId),
    ).toEqual(untouched)
    // The pass still shows its crew, masked, and a second run finds nothing left to do.
    const shown = await t.call('GET', `/api/v1/passes/${pass.number}`, { as: 'coordinator' })
    expect(shown.json.crew[0].name).toBe('赵*柱')
    expect(await resealPersonalData(deps(), { scope: 'legacy' })).toMatchObject({
      applications: 0,
      arrival_reports: 0,
      vehicles: 0,
    })
  })

  it('moves every value under a new DATA_KEY, opened meanwhile with the old one in the ring', async () => {
    await issuePass(t, { crew: [{ name: '钱多多', id_number: ID, phone: '13700002222' }] })
    const kept = await t.call('POST', '/api/v1/vehicles', {
      as: 'enterprise',
      body: {
        plate: '浙A12R34',
        kind: 'heavy_truck',
        crew: [{ name: '孙师傅', id_number: ID, phone: '13700003333' }],
      },
    })
    expect(kept.status).toBe(201)
    const oldKey = t.config.DATA_KEY
    const newKey = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
    const rotated = { ...t.config, DATA_KEY: newKey, DATA_KEY_PREVIOUS: oldKey }
    expect(await countNotUnderCurrentKey(deps(rotated))).toBeGreaterThan(0)

    const counts = await resealPersonalData(deps(rotated), { scope: 'all' })
    expect(counts.applications).toBeGreaterThan(0)
    expect(counts.vehicles).toBe(1)
    expect(counts.enterprises).toBeGreaterThan(0)
    expect(await countNotUnderCurrentKey(deps(rotated))).toBe(0)

    const newId = await dataKeyId(newKey)
    const everySealed = t.sqlite
      .prepare(
        `SELECT crew AS v FROM applications UNION ALL SELECT crew FROM vehicles
         UNION ALL SELECT contact_phone_enc FROM enterprises`,
      )
      .pluck()
      .all()
      .join('\n')
      .match(/v[12]\.[^"\n]*/g)!
    expect(everySealed.length).toBeGreaterThan(3)
    for (const value of everySealed) expect(sealedKeyId(value)).toBe(newId)
    const vehicleCrew = t.sqlite.prepare('SELECT crew FROM vehicles').pluck().get() as string
    expect(await openCrew([newKey], vehicleCrew)).toEqual([
      { name: '孙师傅', id_number: ID, phone: '13700003333' },
    ])
  })

  it('counts a row no key opens and goes on with the rows after it', async () => {
    const first = await issuePass(t, { plate: '浙A10001' })
    const second = await issuePass(t, { plate: '浙A10002' })
    const idOf = (number: string) =>
      t.sqlite
        .prepare('SELECT application_id FROM passes WHERE number = ?')
        .pluck()
        .get(number) as string
    const [a, b] = [idOf(first.number), idOf(second.number)].sort()
    makeLegacy(a)
    makeLegacy(b)
    // The first row (by id) was sealed under a key no longer held.
    const foreign = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
    const lost = await sealCrew(foreign, [{ name: '无名', id_number: ID, phone: '13700009999' }])
    t.sqlite
      .prepare('UPDATE applications SET crew = ? WHERE id = ?')
      .run(
        JSON.stringify(
          [{ ...lost[0], name: '无名' }].map(
            ({ name_enc: _n, name_masked: _m, id_hash: _h, ...m }) => m,
          ),
        ),
        a,
      )
    const counts = await resealPersonalData(deps(), { scope: 'legacy' })
    expect(counts.unopened).toBe(1)
    expect(counts.applications).toBe(1)
    expect(crewOf(b)).not.toContain('赵铁柱')
    expect(crewOf(a)).toContain('无名')
  })

  it('leaves a row changed since it was read for the next run instead of writing over it', async () => {
    const pass = await issuePass(t)
    const applicationId = t.sqlite
      .prepare('SELECT application_id FROM passes WHERE number = ?')
      .pluck()
      .get(pass.number) as string
    makeLegacy(applicationId)
    // A write lands between the read and the write back: the stored crew is no longer as read.
    const atomic = t.store.atomic.bind(t.store)
    let raced = false
    t.store.atomic = async (queries) => {
      if (!raced) {
        raced = true
        t.sqlite
          .prepare(`UPDATE applications SET crew = replace(crew, '赵铁柱', '赵铁锤') WHERE id = ?`)
          .run(applicationId)
      }
      return atomic(queries)
    }
    expect((await resealPersonalData(deps(), { scope: 'legacy' })).applications).toBe(0)
    expect(crewOf(applicationId)).toContain('赵铁锤')
    t.store.atomic = atomic
    expect((await resealPersonalData(deps(), { scope: 'legacy' })).applications).toBe(1)
    expect((await openCrew([t.config.DATA_KEY], crewOf(applicationId)))[0].name).toBe('赵铁锤')
  })
})
