import { env, SELF } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../../src/worker.ts'
import { openD1Store } from '../../src/db/d1-store.ts'
// The Worker's own database `DB`, migrated as `wrangler d1 migrations apply` would.
import './apply-migrations.ts'

// The whole service inside workerd on D1: the same code as on Node, only worker.ts and the D1
// store differ. Requests go through the Worker's own fetch handler.
async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
) {
  const headers: Record<string, string> = {}
  if (options.token) headers.authorization = `Bearer ${options.token}`
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  const res = await SELF.fetch(`https://tongxing.test${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  })
  const text = await res.text()
  let json: any
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text, headers: res.headers }
}

const login = async (username: string, password: string) => {
  const res = await call('POST', '/api/v1/auth/login', { body: { username, password } })
  expect(res.status).toBe(200)
  return res.json.token as string
}

function residentId(): string {
  const first17 = '33070219850312123'
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0)
  return first17 + '10X98765432'[sum % 11]
}

function uscc(first17: string): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const sum = [...first17].reduce((s, ch, i) => s + alphabet.indexOf(ch) * weights[i], 0)
  return first17 + alphabet[(31 - (sum % 31)) % 31]
}

describe('tongxing on Workers with D1', () => {
  it('runs pass → scan → loop → audit end to end', async () => {
    expect((await call('GET', '/healthz')).json).toEqual({ status: 'ok' })
    // The admin from ADMIN_USERNAME / ADMIN_PASSWORD was made on first request.
    const admin = await login('edge-admin', 'edge-admin-password')

    // Reference data.
    expect((await call('GET', '/api/v1/regions?q=330109', { token: admin })).json[0]).toMatchObject(
      { code: '330109', name: '萧山区' },
    )
    expect(
      (
        await call('PUT', '/api/v1/regions/310115/risk', {
          token: admin,
          body: { level: 'high', reason: '聚集性疫情' },
        })
      ).status,
    ).toBe(200)
    expect(
      (
        await call('POST', '/api/v1/stations', {
          token: admin,
          body: {
            code: 'E-ST-1',
            name: '边缘中转站',
            region_code: '330109',
            address: '萧山 1 号',
            capacity_per_day: 100,
          },
        })
      ).status,
    ).toBe(201)
    for (const [code, kind] of [
      ['E-CP-IN', 'highway_exit'],
      ['E-CP-ST', 'transfer_station'],
    ]) {
      expect(
        (
          await call('POST', '/api/v1/checkpoints', {
            token: admin,
            body: { code, name: `卡口 ${code}`, region_code: '330109', kind },
          })
        ).status,
      ).toBe(201)
    }
    const firm = await call('POST', '/api/v1/enterprises', {
      token: admin,
      body: {
        uscc: uscc('91330109MA2EDGE01'),
        name: '边缘物流',
        contact_name: '周',
        contact_phone: '13900001111',
        region_code: '330109',
      },
    })
    expect(firm.status).toBe(201)
    expect(firm.json.whitelist).toEqual({ status: 'pending', level: null })
    await call('POST', `/api/v1/enterprises/${firm.json.id}/whitelist`, {
      token: admin,
      body: { status: 'active', level: 'provincial', reason: '保供' },
    })
    await call('POST', '/api/v1/accounts', {
      token: admin,
      body: {
        username: 'edge-firm',
        password: 'edge-firm-password',
        role: 'enterprise',
        enterprise_id: firm.json.id,
      },
    })
    await call('POST', '/api/v1/accounts', {
      token: admin,
      body: {
        username: 'edge-cp',
        password: 'edge-cp-password',
        role: 'checkpoint',
        checkpoint_codes: ['E-CP-IN', 'E-CP-ST'],
      },
    })
    const enterprise = await login('edge-firm', 'edge-firm-password')
    const checkpoint = await login('edge-cp', 'edge-cp-password')

    // Apply, approve, render the QR.
    const now = Date.now()
    const application = await call('POST', '/api/v1/applications', {
      token: enterprise,
      body: {
        plate: '沪A12345D',
        crew: [{ name: '张三', id_number: residentId(), phone: '13812345678' }],
        cargo_category: 'medical',
        origin_region_code: '310115',
        destination: { station_code: 'E-ST-1' },
        route: 'G60',
        valid_from: new Date(now).toISOString(),
        valid_until: new Date(now + 10 * 86_400_000).toISOString(),
      },
    })
    expect(application.status).toBe(201)
    expect(application.json.crew[0].id_number).toMatch(/^330702\*{8}\d{3}[\dX]$/)
    const pass = await call('POST', `/api/v1/applications/${application.json.id}/approve`, {
      token: admin,
    })
    expect(pass.status).toBe(201)
    expect(pass.json.number).toBe('330100000001')
    const svg = await call('GET', `/api/v1/passes/${pass.json.number}/qr.svg`, {
      token: enterprise,
    })
    expect(svg.text).toMatch(/^<svg/)
    const jwks = await call('GET', '/.well-known/jwks.json')
    expect(jwks.json.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519' })

    // Scan in, run the loop, scan at the station.
    // Device times never lie ahead of the server clock (more than 5 minutes ahead is refused, and
    // a receipt is never dated from a sample ahead of it): the loop runs in the last 4 minutes,
    // from just before the pass's start (inside the clock-skew allowance), one step of it 5 s.
    const at = (step: number) => new Date(now - 4 * 60_000 + step * 5_000).toISOString()
    const scanned = await call('POST', '/api/v1/scans', {
      token: checkpoint,
      body: {
        id: crypto.randomUUID(),
        token: pass.json.token,
        checkpoint_code: 'E-CP-IN',
        scanned_at: at(0),
      },
    })
    expect(scanned.json).toMatchObject({
      verdict: 'valid',
      action: 'sample_then_release',
      loop: { state: 'arrived' },
    })
    const loopId = scanned.json.loop.id
    const ev = (kind: string, step: number, data?: unknown) => ({
      id: crypto.randomUUID(),
      loop_id: loopId,
      kind,
      at: at(step),
      checkpoint_code: 'E-CP-IN',
      data,
    })
    const events = await call('POST', '/api/v1/events', {
      token: checkpoint,
      body: {
        events: [
          ev('released', 2, { destination_code: 'E-CP-ST' }),
          ev('sampled', 1, { tube_code: 'EDGE-1', tests: ['pcr'] }),
        ],
      },
    })
    expect(events.json.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'accepted',
    ])
    const atStation = await call('POST', '/api/v1/scans', {
      token: checkpoint,
      body: {
        id: crypto.randomUUID(),
        token: pass.json.token,
        checkpoint_code: 'E-CP-ST',
        scanned_at: at(30),
      },
    })
    expect(atStation.json.loop).toMatchObject({ id: loopId, state: 'at_destination' })
    await call('POST', '/api/v1/events', {
      token: checkpoint,
      body: {
        events: [
          // The hand-over manifest: its rows go in the same D1 batch as the event.
          ev('handed_over', 40, { receivers: [{ plate: '浙a 5r001', pieces: 3 }] }),
          ev('pcr_result', 45, { result: 'negative' }),
        ],
      },
    })
    const loop = await call('GET', `/api/v1/loops/${loopId}`, { token: admin })
    expect(loop.json.state).toBe('closed')
    expect(loop.json.receivers).toMatchObject([{ plate: '浙A5R001', pieces: 3, flag: null }])
    expect(loop.json.events.map((e: { kind: string }) => e.kind)).toEqual([
      'arrived',
      'sampled',
      'released',
      'destination_arrived',
      'handed_over',
      'pcr_result',
    ])
    const receipt = await call('GET', `/api/v1/loops/${loopId}/receipt`, { token: checkpoint })
    expect(receipt.json.test).toBe('pcr')

    // Audit: every write is logged; the cron trigger seals the chain, which then verifies.
    await worker.scheduled({}, env as never)
    const verify = await call('GET', '/api/v1/audit/verify', { token: admin })
    expect(verify.json).toMatchObject({ ok: true, unsealed: 0 })
    expect(verify.json.entries).toBeGreaterThan(10)
    const report = await call('GET', `/api/v1/enterprises/${firm.json.id}/audit`, { token: admin })
    expect(report.json.loops).toMatchObject({ total: 1, closed_on_time: 1 })
    const csv = await SELF.fetch(
      `https://tongxing.test/api/v1/enterprises/${firm.json.id}/audit.csv`,
      { headers: { authorization: `Bearer ${admin}` } },
    )
    expect(Array.from(new Uint8Array(await csv.arrayBuffer()).slice(0, 3))).toEqual([
      0xef, 0xbb, 0xbf,
    ])

    // Personal data never reaches D1 in clear.
    const crew = await env.DB.prepare('SELECT crew FROM applications').first<{ crew: string }>()
    expect(crew?.crew).not.toContain(residentId())
    expect(crew?.crew).not.toContain('13812345678')
  })

  it('takes a batch of 500 events on D1 (every statement under its 100-parameter limit)', async () => {
    const admin = await login('edge-admin', 'edge-admin-password')
    await call('POST', '/api/v1/checkpoints', {
      token: admin,
      body: { code: 'E-CP-BULK', name: '批量卡口', region_code: '330109', kind: 'road' },
    })
    await call('POST', '/api/v1/accounts', {
      token: admin,
      body: {
        username: 'edge-bulk',
        password: 'edge-bulk-password',
        role: 'checkpoint',
        checkpoint_codes: ['E-CP-BULK'],
      },
    })
    const checkpoint = await login('edge-bulk', 'edge-bulk-password')
    // Three loops: a loop holds at most MAX_LOOP_EVENTS (200) events.
    const loopIds: string[] = []
    for (const plate of ['浙B88881', '浙B88882', '浙B88883']) {
      const opened = await call('POST', '/api/v1/loops', {
        token: checkpoint,
        body: { plate, checkpoint_code: 'E-CP-BULK' },
      })
      expect(opened.status).toBe(201)
      loopIds.push(opened.json.loop.id)
    }
    const start = Date.now() - 3_600_000
    const events = Array.from({ length: 500 }, (_, i) => ({
      id: crypto.randomUUID(),
      loop_id: loopIds[i % 3],
      kind: i < 3 ? 'sampled' : 'pcr_result',
      at: new Date(start + i * 1000).toISOString(),
      checkpoint_code: 'E-CP-BULK',
      data: i < 3 ? { tube_code: `BULK-${i}` } : { result: 'negative' },
    }))
    const res = await call('POST', '/api/v1/events', { token: checkpoint, body: { events } })
    expect(res.status).toBe(200)
    expect(
      res.json.results.filter((r: { status: string }) => r.status === 'accepted'),
    ).toHaveLength(500)
    const replay = await call('POST', '/api/v1/events', { token: checkpoint, body: { events } })
    expect(replay.json.results.every((r: { status: string }) => r.status === 'duplicate')).toBe(
      true,
    )
    expect(
      await env.DB.prepare(`SELECT count(*) AS n FROM loop_events WHERE loop_id IN (?, ?, ?)`)
        .bind(...loopIds)
        .first('n'),
    ).toBe(503)
  })

  it('rolls a failing D1 batch back whole', async () => {
    const store = openD1Store(env.DB as never)
    const before = await env.DB.prepare('SELECT count(*) AS n FROM audit_log').first<{
      n: number
    }>()
    await expect(
      store.atomic([
        store.db.insertInto('audit_log').values({
          at: 'now',
          actor: 'test',
          action: 'batch.first',
          subject: 'x',
          before: null,
          after: null,
        }),
        // Violates the CHECK on regions.risk_level: the whole batch must fail.
        store.db
          .updateTable('regions')
          .set({ risk_level: 'extreme' as never })
          .where('code', '=', '330109'),
      ]),
    ).rejects.toThrow()
    const after = await env.DB.prepare('SELECT count(*) AS n FROM audit_log').first<{ n: number }>()
    expect(after?.n).toBe(before?.n)
    expect(
      await env.DB.prepare(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'batch.first'",
      ).first('n'),
    ).toBe(0)
  })

  it('turns a failed guard in a batch into a 409, writing nothing', async () => {
    const admin = await login('edge-admin', 'edge-admin-password')
    const body = {
      code: 'E-DUP',
      name: '重复站',
      region_code: '330109',
      address: '1 号',
      capacity_per_day: 1,
    }
    expect((await call('POST', '/api/v1/stations', { token: admin, body })).status).toBe(201)
    const again = await call('POST', '/api/v1/stations', { token: admin, body })
    expect([again.status, again.json.error.code]).toEqual([409, 'station_exists'])
  })
})
