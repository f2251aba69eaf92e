import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'
import { event, issuePass, openLoop, scan, sendEvents } from '../support/flow.ts'
import { maskName } from '../../src/privacy/personal-data.ts'

// What a valid scan shows the officer: where the truck comes from and goes, who should be in it.

let t: TestApp
beforeEach(async () => {
  t = await buildTestApp()
})

describe('the scan answer names what the officer checks', () => {
  it('gives the origin with its risk level, the destination by name and the crew masked', async () => {
    const pass = await issuePass(t, {
      crew: [
        { name: '王建国', id_number: residentId('19800101', '111'), phone: '13800001111' },
        { name: '李四', id_number: residentId('19800202', '222'), phone: '13800002222' },
      ],
    })
    const answer = await scan(t, { token: pass.token })
    expect(answer.status).toBe(200)
    expect(answer.json.pass.origin).toEqual({
      code: '310115',
      name: '上海市浦东新区',
      risk_level: 'high',
    })
    expect(answer.json.pass.destination_name).toBe('萧山空港物资中转站')
    expect(answer.json.pass.crew).toEqual([{ name_masked: '王*国' }, { name_masked: '李*' }])
    // The codes stay as they were: fields are added, none renamed.
    expect(answer.json.pass.origin_region_code).toBe('310115')
    expect(answer.json.pass.destination_code).toBe('HZ-XS-01')
  })

  it('never carries a full name, an ID number or a phone', async () => {
    const id = residentId('19800101', '111')
    const pass = await issuePass(t, {
      crew: [{ name: '王建国', id_number: id, phone: '13800001111' }],
    })
    const text = JSON.stringify((await scan(t, { token: pass.token, pass_number: undefined })).json)
    expect(text).not.toContain('王建国')
    expect(text).not.toContain(id)
    expect(text).not.toContain(id.slice(-4) + '"')
    expect(text).not.toContain('13800001111')
  })

  it('a typed pass number gets the same details', async () => {
    const pass = await issuePass(t)
    const answer = await scan(t, { pass_number: pass.number })
    expect(answer.json.pass.crew).toEqual([{ name_masked: '张*' }])
    expect(answer.json.pass.origin.risk_level).toBe('high')
  })

  it('an own-site destination is named by its region and address', async () => {
    const pass = await issuePass(t, {
      origin_region_code: '320583',
      destination: { region_code: '330108', address: '江南大道 1 号' },
    })
    const answer = await scan(t, { token: pass.token })
    expect(answer.json.pass.origin.risk_level).toBe('medium')
    expect(answer.json.pass.destination_name).toMatch(/^浙江省杭州市滨江区 江南大道 1 号$/)
  })

  it('says until when a known negative result holds', async () => {
    const { pass, loopId } = await openLoop(t)
    const sent = await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'T-1' }),
      event(t, loopId, 'pcr_result', { result: 'negative' }),
      event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' }),
    ])
    expect(sent.status).toBe(200)
    const sampledAt = t.sqlite
      .prepare('SELECT sampled_at FROM loops WHERE id = ?')
      .pluck()
      .get(loopId) as string
    const arrival = await scan(t, { token: pass.token, checkpoint_code: 'HZ-TS-XS' })
    expect(arrival.json.action).toBe('release')
    expect(arrival.json.test_valid_until).toBe(
      new Date(Date.parse(sampledAt) + 48 * 3_600_000).toISOString(),
    )
  })

  it('an unknown typed number is answered, with no pass', async () => {
    const answer = await scan(t, { pass_number: '330100999999' })
    expect(answer.status).toBe(200)
    expect(answer.json.reasons).toEqual(['malformed'])
    expect(answer.json.pass).toBeUndefined()
  })
})

describe('maskName', () => {
  it('keeps the first and last character', () => {
    expect(maskName('王建国')).toBe('王*国')
    expect(maskName('欧阳文忠')).toBe('欧**忠')
    expect(maskName('李四')).toBe('李*')
    expect(maskName('王')).toBe('*')
  })
})
