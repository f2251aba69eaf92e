import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { generateSecrets } from '../../src/keys/generate.ts'
import { dataKeyId } from '../../src/privacy/personal-data.ts'
import { openCrew } from '../../src/vehicles/crew.ts'
import { appClient } from '../support/app-client.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { buildTestApp } from '../support/test-app.ts'

const PERSON = { name: '王建国', id_number: residentId('19850312', '123'), phone: '13812345678' }
const OTHER = { name: '李秀英', id_number: residentId('19900101', '456'), phone: '13998765432' }

// On Workers the operator puts the secrets and calls the endpoint: here on Node and on D1 alike.
describe('POST /api/v1/admin/data-key/reseal (Workers)', () => {
  it('moves rows under the key now in DATA_KEY, up to the limit, and says what is left', async () => {
    const before = await buildTestApp()
    for (const [crew, plate] of [
      [[PERSON, OTHER], '沪A12345D'],
      [[OTHER], '沪B54321'],
    ] as const) {
      const res = await before.call('POST', '/api/v1/applications', {
        as: 'enterprise',
        body: applicationBody({ crew, plate }),
      })
      expect(res.status, res.text).toBe(201)
    }
    const old = before.config.DATA_KEY
    const fresh = (await generateSecrets()).DATA_KEY
    // The same database, the service restarted with the new secrets.
    const config = { ...before.config, DATA_KEY: fresh, DATA_KEY_PREVIOUS: old }
    const client = appClient(createApp({ store: before.store, config, clock: before.clock }))
    const first = await client.call('POST', '/api/v1/admin/data-key/reseal', {
      as: 'admin',
      body: { limit: 1, reason: '年度密钥轮换' },
    })
    expect(first.status, first.text).toBe(200)
    expect(first.json.key_id).toBe(await dataKeyId(fresh))
    expect(first.json.previous_key_ids).toEqual([await dataKeyId(old)])
    expect(first.json.resealed.applications).toBe(1)
    expect(first.json.remaining).toBeGreaterThan(0)
    const refused = await client.call('POST', '/api/v1/admin/data-key/reseal', {
      as: 'coordinator',
      body: {},
    })
    expect(refused.status).toBe(403)
    let left = first.json.remaining
    for (let round = 0; left > 0 && round < 10; round++)
      left = (await client.call('POST', '/api/v1/admin/data-key/reseal', { as: 'admin' })).json
        .remaining
    expect(left).toBe(0)
    const rows = await before.store.db
      .selectFrom('applications')
      .select('crew')
      .where('crew', '<>', '[]')
      .execute()
    expect(rows.length).toBeGreaterThanOrEqual(2)
    for (const row of rows) expect(sealedIds(row.crew)).toEqual([await dataKeyId(fresh)])
    const opened = await Promise.all(rows.map((r) => openCrew([fresh], r.crew)))
    expect(opened).toContainEqual([PERSON, OTHER])
    const audit = await before.store.db
      .selectFrom('audit_log')
      .select('after')
      .where('action', '=', 'keys.rotate_data')
      .orderBy('seq')
      .execute()
    expect(audit.length).toBeGreaterThanOrEqual(2)
    expect(audit[0].after).toContain('年度密钥轮换')
    expect(JSON.stringify(audit)).not.toContain(fresh)
  })
})

const sealedIds = (crew: string) => [
  ...new Set((crew.match(/v2\.([0-9a-f]+)\./g) ?? []).map((v) => v.slice(3, -1))),
]
