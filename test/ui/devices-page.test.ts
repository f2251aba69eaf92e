import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'
import { enrolDevice, revokeDevice, signLater } from '../devices/support/signed-device.ts'

/**
 * The coordinator's devices page (issue 18), as the browser gets it: every device in its state
 * with the action that fits it (withdraw an active one, cancel a pending enrolment, none for one
 * revoked or expired), and a device's records with those kept for review marked.
 */
describe('the devices page', () => {
  let t: TestApp
  const page = async (path: string, role: 'coordinator' | 'checkpoint' | 'enterprise') =>
    t.call('GET', path, { headers: { cookie: `tx_session=${await t.tokenFor(role)}` } })
  /** The part of the page that shows the device row `id` (up to the next row). */
  const rowOf = (html: string, id: string) => {
    const start = html.indexOf(`data-device-row="${id}"`)
    expect(start, `row of ${id}`).toBeGreaterThan(-1)
    const next = html.indexOf('data-device-row=', start + 10)
    return html.slice(start, next < 0 ? undefined : next)
  }

  let active: string
  let revoked: string
  let pending: string
  let expired: string

  beforeAll(async () => {
    t = await buildTestApp()
    const enrol = async (label: string) => {
      const res = await t.call('POST', '/api/v1/devices/enrollments', {
        as: 'coordinator',
        body: { checkpoint_codes: ['HZ-G60-XS'], label },
      })
      expect(res.status, res.text).toBe(201)
      return res.json.device_id as string
    }
    expired = await enrol('过期未用')
    t.clock.advance(11 * 60_000)
    pending = await enrol('等待登记')
    active = (await enrolDevice(t)).id
    const gone = await enrolDevice(t)
    revoked = gone.id
    const pass = await issuePass(t, { plate: '浙A18018' })
    const late = await signLater(t, gone, '/api/v1/scans', {
      id: crypto.randomUUID(),
      pass_number: pass.number,
      checkpoint_code: 'HZ-G60-XS',
      scanned_at: t.clock().toISOString(),
    })
    t.clock.advance(1000)
    await revokeDevice(t, gone)
    expect((await late()).status).toBe(403)
  })

  it('shows each device with the action its state allows', async () => {
    const res = await page('/ui/devices', 'coordinator')
    expect(res.status).toBe(200)
    const html = res.text
    expect(rowOf(html, active)).toContain('data-device-status="active"')
    expect(rowOf(html, active)).toContain('停用设备')
    expect(rowOf(html, pending)).toContain('data-device-status="pending"')
    expect(rowOf(html, pending)).toContain('取消登记')
    expect(rowOf(html, pending)).not.toContain('停用设备')
    for (const id of [revoked, expired]) expect(rowOf(html, id)).not.toContain('data-revoke=')
    expect(rowOf(html, expired)).toContain('登记码已过期')
    expect(rowOf(html, revoked)).toContain('手机遗失')
    // The revoked device's upload kept for review is counted.
    expect(rowOf(html, revoked)).toMatch(/<strong data-review="[^"]*">1<\/strong>/)
    // The enrolment form posts the ticked checkpoints as a list and shows the answer in place.
    expect(html).toContain('data-api="/api/v1/devices/enrollments"')
    expect(html).toContain('data-show="enrolment"')
    expect(html).toMatch(/type="checkbox" name="checkpoint_codes" value="HZ-G60-XS"\s+data-list/)
  })

  it('lists a device’s records, marking those kept for review', async () => {
    const res = await page(`/ui/devices/${revoked}`, 'coordinator')
    expect(res.status).toBe(200)
    expect(res.text).toContain('data-kind="scan"')
    expect(res.text).toContain('data-device-review="signed_before_revocation"')
    expect(res.text).toContain('停用前签名、停用后收到：待核查')
    expect((await page('/ui/devices/no-such-device', 'coordinator')).status).toBe(404)
  })

  it('is for coordinators only', async () => {
    expect((await page('/ui/devices', 'checkpoint')).status).toBe(403)
    expect((await page('/ui/devices', 'enterprise')).status).toBe(403)
    expect((await page(`/ui/devices/${active}`, 'checkpoint')).status).toBe(403)
  })
})
