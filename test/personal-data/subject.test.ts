import { beforeEach, describe, expect, it, vi } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { scan } from '../support/flow.ts'
import { sealCrew } from '../../src/vehicles/crew.ts'
import { encryptPersonal, maskIdNumber } from '../../src/privacy/personal-data.ts'

// A subject's request (issue 21): an admin exports or erases everything held about one ID number,
// found by its keyed hash — never by opening every row — and only that person's data.

const PERSON = { name: '王建国', id_number: residentId('19850312', '123'), phone: '13812345678' }
const OTHER = { name: '李秀英', id_number: residentId('19900101', '456'), phone: '13998765432' }
/** A data key this deployment does not hold: rows sealed under it cannot be opened here. */
const FOREIGN_KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))

let t: TestApp
/** Applications: both people (approved, scanned), both people (submitted), the other alone. */
let shared: { id: string; pass: string }
let sharedPending: string
let otherOnly: string
let vehicleId: string
let reportId: string

async function apply(overrides: Record<string, unknown>) {
  const res = await t.call('POST', '/api/v1/applications', {
    as: 'enterprise',
    body: applicationBody(overrides),
  })
  expect(res.status, res.text).toBe(201)
  return res.json.id as string
}

beforeEach(async () => {
  t = await buildTestApp()
  const first = await apply({ plate: '沪A12345D', crew: [PERSON, OTHER] })
  const pass = await t.call('POST', `/api/v1/applications/${first}/approve`, { as: 'coordinator' })
  expect(pass.status, pass.text).toBe(201)
  shared = { id: first, pass: pass.json.number }
  expect((await scan(t, { token: pass.json.token })).json.verdict).toBe('valid')
  sharedPending = await apply({ plate: '沪B54321', crew: [OTHER, PERSON] })
  otherOnly = await apply({ plate: '沪C11111', crew: [OTHER] })
  const vehicle = await t.call('POST', '/api/v1/vehicles', {
    as: 'enterprise',
    body: { plate: '沪D22222', kind: 'heavy_truck', crew: [PERSON, OTHER] },
  })
  expect(vehicle.status, vehicle.text).toBe(201)
  vehicleId = vehicle.json.id
  const report = await t.call('POST', '/api/v1/arrival-reports', {
    as: 'enterprise',
    body: {
      plate: '沪A12345D',
      pass_number: shared.pass,
      checkpoint_code: 'HZ-G60-XS',
      expected_from: '2026-11-30T18:00:00+08:00',
      expected_until: '2026-11-30T22:00:00+08:00',
      crew: [PERSON],
    },
  })
  expect(report.status, report.text).toBe(201)
  reportId = report.json.id
})

const subjectRequest = (path: 'export' | 'erase', id = PERSON.id_number, as = 'admin' as const) =>
  t.call('POST', `/api/v1/admin/subjects/${path}`, {
    as,
    body: { id_number: id, reason: '本人书面申请' },
  })

// Read and written through Kysely, so the file runs on D1 too.
const crewOf = async (table: 'applications' | 'arrival_reports' | 'vehicles', id: string) =>
  (await t.store.db.selectFrom(table).select('crew').where('id', '=', id).executeTakeFirstOrThrow())
    .crew

const setCrew = (id: string, crew: unknown) =>
  t.store.db
    .updateTable('applications')
    .set({ crew: JSON.stringify(crew) })
    .where('id', '=', id)
    .execute()

const auditRows = (action: string) =>
  t.store.db
    .selectFrom('audit_log')
    .select(['actor', 'subject', 'after'])
    .where('action', '=', action)
    .orderBy('seq')
    .execute() as Promise<{ actor: string; subject: string; after: string }[]>

describe('a subject’s export', () => {
  it('is a file of that person’s records, with their own data only', async () => {
    const res = await subjectRequest('export')
    expect(res.status, res.text).toBe(200)
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="subject-${maskIdNumber(PERSON.id_number)}-2026-11-29.json"`,
    )
    expect(res.headers.get('cache-control')).toBe('no-store')
    const file = res.json
    expect(file.found).toBe(true)
    expect(file.counts).toEqual({
      applications: 2,
      arrival_reports: 1,
      vehicles: 1,
      loops: 1,
      scans: 1,
    })
    expect(file.applications.map((a: { id: string }) => a.id).sort()).toEqual(
      [shared.id, sharedPending].sort(),
    )
    for (const a of file.applications) expect(a.as_crew).toEqual([PERSON])
    const approved = file.applications.find((a: { id: string }) => a.id === shared.id)
    expect(approved.pass).toMatchObject({
      number: shared.pass,
      status: 'active',
      plate: '沪A12345D',
    })
    expect(file.arrival_reports).toMatchObject([{ id: reportId, as_crew: [PERSON] }])
    expect(file.vehicles).toMatchObject([
      { id: vehicleId, plate: '沪D22222', enterprise: { id: 'demo-ent-1' }, as_crew: [PERSON] },
    ])
    expect(file.loops[0]).toMatchObject({
      pass_number: shared.pass,
      entry_checkpoint_code: 'HZ-G60-XS',
    })
    expect(file.loops[0].events.map((e: { kind: string }) => e.kind)).toContain('arrived')
    expect(file.scans[0]).toMatchObject({ pass_number: shared.pass, verdict: 'valid' })
    // The other crew member shares two applications and the vehicle: nothing of theirs is in it.
    for (const value of [OTHER.name, OTHER.id_number, OTHER.phone, maskIdNumber(OTHER.id_number)])
      expect(res.text).not.toContain(value)
    expect(res.text).not.toContain(otherOnly)
  })

  it('is audited with counts and a hash prefix, never the ID number', async () => {
    await subjectRequest('export')
    const [entry] = await auditRows('personal.export')
    expect(entry.actor).toBe('admin:admin')
    expect(entry.subject).toMatch(/^id_hash:[0-9a-f]{12}$/)
    expect(JSON.parse(entry.after)).toMatchObject({
      reason: '本人书面申请',
      records: { applications: 2, arrival_reports: 1, vehicles: 1 },
    })
    const all = JSON.stringify(await t.store.db.selectFrom('audit_log').selectAll().execute())
    for (const value of [PERSON.id_number, PERSON.name, PERSON.phone])
      expect(all).not.toContain(value)
  })

  it('finds the person by hash alone: rows it cannot open are neither opened nor in the way', async () => {
    // Sealed under a key not in the ring: opening it would fail (a 500). It names the person too,
    // but under that key's hash, so it is not theirs to find here.
    await setCrew(otherOnly, await sealCrew(FOREIGN_KEY, [PERSON, OTHER]))
    const res = await subjectRequest('export')
    expect(res.status, res.text).toBe(200)
    expect(res.json.counts.applications).toBe(2)
    expect(res.text).not.toContain(otherOnly)
  })

  it('upgrades crews from before names were sealed first, and says what it could not search', async () => {
    const legacy = async (key: string, m: typeof PERSON) => ({
      name: m.name,
      id_number_enc: await encryptPersonal(key, m.id_number),
      id_number_masked: maskIdNumber(m.id_number),
      phone_enc: await encryptPersonal(key, m.phone),
      phone_masked: '138****5678',
    })
    const key = t.config.DATA_KEY
    await setCrew(otherOnly, [await legacy(key, PERSON)])
    const res = await subjectRequest('export')
    expect(res.json.counts.applications).toBe(3)
    expect(await crewOf('applications', otherOnly)).not.toContain(PERSON.name)
    expect(res.json.unsearched_rows).toBeUndefined()

    // A legacy row under a key no longer held cannot be upgraded: counted, not a failure.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    await setCrew(otherOnly, [await legacy(FOREIGN_KEY, OTHER)])
    const again = await subjectRequest('export')
    expect(again.status, again.text).toBe(200)
    expect(again.json.unsearched_rows).toBe(1)
    // The log says why, without the person's data.
    expect(String(logged.mock.calls[0]?.[0])).toMatch(/subject-reseal/)
    expect(JSON.stringify(logged.mock.calls)).not.toContain(OTHER.name)
    logged.mockRestore()
  })

  it('says so when nothing is held, with empty lists', async () => {
    const res = await subjectRequest('export', residentId('19700101', '999'))
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      found: false,
      applications: [],
      arrival_reports: [],
      vehicles: [],
      loops: [],
      scans: [],
    })
    expect(res.json.note).toMatch(/Nothing is held/)
  })
})

describe('a subject’s erasure', () => {
  it('removes only that person, from every crew, and their passes’ scan input', async () => {
    const res = await subjectRequest('erase')
    expect(res.status, res.text).toBe(200)
    expect(res.json.erased).toEqual({ applications: 2, arrival_reports: 1, vehicles: 1, scans: 1 })
    for (const [table, id] of [
      ['applications', shared.id],
      ['applications', sharedPending],
      ['vehicles', vehicleId],
    ] as const) {
      const crew = JSON.parse(await crewOf(table, id))
      expect(crew, `${table} ${id}`).toHaveLength(1)
      expect(crew[0].id_number_masked).toBe(maskIdNumber(OTHER.id_number))
    }
    // The report named the person alone: its personal data is erased, the row kept.
    const report = await t.store.db
      .selectFrom('arrival_reports')
      .select(['crew', 'plate', 'personal_erased_at'])
      .where('id', '=', reportId)
      .executeTakeFirst()
    expect(report).toEqual({
      crew: '[]',
      plate: '沪A12345D',
      personal_erased_at: t.clock().toISOString(),
    })
    const scanRow = await t.store.db
      .selectFrom('scans')
      .select(['raw', 'personal_erased_at'])
      .where('pass_number', '=', shared.pass)
      .executeTakeFirst()
    expect(scanRow).toEqual({ raw: '{}', personal_erased_at: t.clock().toISOString() })
    // The other person is untouched, in the application they rode alone too.
    const otherExport = await subjectRequest('export', OTHER.id_number)
    expect(otherExport.json.counts).toMatchObject({
      applications: 3,
      vehicles: 1,
      arrival_reports: 0,
    })
    // And the person is gone.
    expect((await subjectRequest('export')).json.found).toBe(false)
  })

  it('erases the row’s personal data when the person was its only crew member', async () => {
    const alone = await apply({ plate: '沪E33333', crew: [PERSON] })
    await subjectRequest('erase')
    const row = await t.store.db
      .selectFrom('applications')
      .select(['crew', 'plate', 'personal_erased_at'])
      .where('id', '=', alone)
      .executeTakeFirst()
    expect(row).toEqual({
      crew: '[]',
      plate: '沪E33333',
      personal_erased_at: t.clock().toISOString(),
    })
  })

  it('is audited with counts and ids, and a second call erases nothing', async () => {
    await subjectRequest('erase')
    const again = await subjectRequest('erase')
    expect(again.status).toBe(200)
    expect(again.json.erased).toEqual({
      applications: 0,
      arrival_reports: 0,
      vehicles: 0,
      scans: 0,
    })
    const entries = await auditRows('personal.erase')
    expect(entries).toHaveLength(2)
    const first = JSON.parse(entries[0].after)
    expect(first).toMatchObject({
      reason: '本人书面申请',
      erased: { applications: 2, arrival_reports: 1, vehicles: 1, scans: 1 },
      vehicle_ids: [vehicleId],
      arrival_report_ids: [reportId],
    })
    expect(first.application_ids.sort()).toEqual([shared.id, sharedPending].sort())
    expect(entries[0].subject).toMatch(/^id_hash:[0-9a-f]{12}$/)
    for (const value of [PERSON.id_number, PERSON.name, PERSON.phone])
      expect(JSON.stringify(entries)).not.toContain(value)
  })
})

describe('who may ask, and what', () => {
  it('is for admins only: 403 for coordinators, firms and checkpoints', async () => {
    for (const path of ['export', 'erase'] as const)
      for (const role of ['coordinator', 'enterprise', 'checkpoint'] as const) {
        const res = await t.call('POST', `/api/v1/admin/subjects/${path}`, {
          as: role,
          body: { id_number: PERSON.id_number, reason: '本人书面申请' },
        })
        expect(res.status, `${role} ${path}`).toBe(403)
      }
    expect(JSON.parse(await crewOf('applications', shared.id))).toHaveLength(2)
  })

  it('refuses a malformed ID number with 400 naming the field, without echoing it', async () => {
    const wrongCheck = PERSON.id_number.slice(0, 17) + (PERSON.id_number[17] === '0' ? '1' : '0')
    for (const path of ['export', 'erase'] as const) {
      const res = await subjectRequest(path, wrongCheck)
      expect(res.status).toBe(400)
      expect(res.json.error.details[0].field).toBe('id_number')
      expect(res.text).not.toContain(wrongCheck)
    }
    expect(await auditRows('personal.erase')).toHaveLength(0)
  })
})
