import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compactVerify, createLocalJWKSet } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { createApp } from '../../src/app.ts'
import type { Deps } from '../../src/http/env.ts'
import type { AuditAnchor } from '../../src/audit/anchor.ts'
import { fileAnchor } from '../../src/audit/anchor-file.ts'
import { chainHash, sealAudit, verifyAudit } from '../../src/audit/chain.ts'

let t: TestApp
let dir: string
let anchorPath: string
let anchor: AuditAnchor
const deps = (more: Partial<Deps> = {}): Deps => ({ store: t.store, config: t.config, clock: t.clock, auditAnchor: anchor, ...more })
const sql = (text: string, ...params: unknown[]) => t.sqlite.prepare(text).run(...params)
const count = (table: string) => t.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
const lastSeq = () => t.sqlite.prepare('SELECT max(seq) FROM audit_log').pluck().get() as number

let level = 'low'
/** One audited write (a region's risk level, back and forth). */
async function write(n = 1) {
  for (let i = 0; i < n; i++) {
    level = level === 'low' ? 'medium' : 'low'
    const res = await t.call('PUT', '/api/v1/regions/330102/risk', { as: 'coordinator', body: { level, reason: '轨迹' } })
    expect(res.status).toBe(200)
  }
}

/** Two seals, so the anchor holds two heads: [first, second]. */
async function twoAnchoredHeads() {
  await write(3)
  await sealAudit(deps())
  await write(3)
  await sealAudit(deps())
  const { heads } = await anchor.all()
  expect(heads.map((h) => h.seq)).toEqual([lastSeq() - 3, lastSeq()])
  expect(await verifyAudit(deps())).toMatchObject({ ok: true, anchor: { heads: 2, last: { seq: lastSeq() } } })
  return heads
}

beforeEach(async () => {
  t = await buildTestApp()
  dir = mkdtempSync(join(tmpdir(), 'tongxing-anchor-'))
  anchorPath = join(dir, 'audit-anchor.jsonl')
  anchor = fileAnchor(anchorPath)
})
afterEach(() => {
  vi.restoreAllMocks()
  rmSync(dir, { recursive: true, force: true })
})

describe('the anchor outside the database', () => {
  it('gets one signed head per seal, in a 0600 file, and nothing when there is nothing new', async () => {
    await write(2)
    await sealAudit(deps())
    await sealAudit(deps())
    const lines = readFileSync(anchorPath, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(1)
    const head = JSON.parse(lines[0])
    expect(head).toMatchObject({ seq: lastSeq(), hash: expect.stringMatching(/^[0-9a-f]{64}$/), kid: expect.any(String) })
    // The same head as the seal in the database, signed with the service key.
    expect(t.sqlite.prepare('SELECT seq, hash, at, kid, token FROM audit_seals ORDER BY seq DESC LIMIT 1').get()).toEqual(head)
    expect(statSync(anchorPath).mode & 0o777).toBe(0o600)
    await write(1)
    await sealAudit(deps())
    expect((await anchor.all()).heads.map((h) => h.seq)).toEqual([lastSeq() - 1, lastSeq()])
  })

  it('skips a line torn by a crash, and the next head starts on a line of its own', async () => {
    await write(1)
    await sealAudit(deps())
    appendFileSync(anchorPath, '{"seq":99,"hash":"ab')
    expect(await verifyAudit(deps())).toMatchObject({ ok: true, anchor: { heads: 1, skipped_lines: 1 } })
    await write(1)
    await sealAudit(deps())
    expect(await anchor.latest()).toMatchObject({ seq: lastSeq() })
    expect(await verifyAudit(deps())).toMatchObject({ ok: true, anchor: { heads: 2, skipped_lines: 1, last: { seq: lastSeq() } } })
  })

  it('lets a crash between the seal and the anchor append pass: the next run appends the head', async () => {
    await write(2)
    const crashing: AuditAnchor = { ...anchor, append: async () => Promise.reject(new Error('power cut')) }
    await expect(sealAudit(deps({ auditAnchor: crashing }))).rejects.toThrow('power cut')
    expect(count('audit_seals')).toBe(1)
    expect(await anchor.latest()).toBeNull()
    expect(await verifyAudit(deps())).toMatchObject({ ok: true, sealed_through: lastSeq() })
    // Nothing new to seal, but the seal the anchor missed is appended.
    expect(await sealAudit(deps())).toBe(0)
    expect(await anchor.latest()).toMatchObject({ seq: lastSeq() })
    expect(await verifyAudit(deps())).toMatchObject({ ok: true, anchor: { heads: 1 } })
  })
})

describe('verify compares the database with the anchor', () => {
  it('catches the newest entries deleted together with their seals', async () => {
    const [first, second] = await twoAnchoredHeads()
    sql('DELETE FROM audit_log WHERE seq > ?', first.seq)
    sql('DELETE FROM audit_seals WHERE seq > ?', first.seq)
    // The database alone looks whole: a shorter chain, every seal matching.
    expect(await verifyAudit(deps({ auditAnchor: undefined }))).toMatchObject({ ok: true })
    expect(await verifyAudit(deps())).toMatchObject({ ok: false, problem: 'truncated', first_bad_seq: first.seq + 1, anchor_seq: second.seq })
  })

  it('catches entries rewritten with every hash and seal blanked, naming where the damage starts', async () => {
    const [first, second] = await twoAnchoredHeads()
    sql(`UPDATE audit_log SET after = '{"risk_level":"high"}' WHERE seq = ?`, first.seq + 2)
    sql('UPDATE audit_log SET hash = NULL')
    sql('DELETE FROM audit_seals')
    expect(await verifyAudit(deps({ auditAnchor: undefined }))).toMatchObject({ ok: true })
    expect(await verifyAudit(deps())).toMatchObject({ ok: false, problem: 'anchor_mismatch', first_bad_seq: first.seq + 1, anchor_seq: second.seq })
  })

  it('catches entries rewritten and hashed again, their seals deleted', async () => {
    const [first, second] = await twoAnchoredHeads()
    sql(`UPDATE audit_log SET after = '{"risk_level":"high"}' WHERE seq = ?`, first.seq + 1)
    const rows = t.sqlite.prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq').all(first.seq) as never[]
    let previous = first.hash
    for (const row of rows) {
      previous = await chainHash(previous, row)
      sql('UPDATE audit_log SET hash = ? WHERE seq = ?', previous, (row as { seq: number }).seq)
    }
    sql('DELETE FROM audit_seals WHERE seq > ?', first.seq)
    expect(await verifyAudit(deps())).toMatchObject({ ok: false, problem: 'anchor_mismatch', first_bad_seq: first.seq + 1, anchor_seq: second.seq })
  })

  it('catches an anchored seal deleted from the database, the entries untouched', async () => {
    const [, second] = await twoAnchoredHeads()
    sql('DELETE FROM audit_seals WHERE seq = ?', second.seq)
    expect(await verifyAudit(deps())).toMatchObject({ ok: false, problem: 'seal_missing', first_bad_seq: second.seq })
  })

  it('is what GET /audit/verify answers when the runtime has an anchor', async () => {
    const [first] = await twoAnchoredHeads()
    const app = createApp(deps())
    const verify = async () =>
      (await app.request('/api/v1/audit/verify', { headers: { authorization: `Bearer ${await t.tokenFor('coordinator')}` } })).json()
    expect(await verify()).toMatchObject({ ok: true, anchor: { heads: 2 } })
    sql('DELETE FROM audit_log WHERE seq > ?', first.seq)
    sql('DELETE FROM audit_seals WHERE seq > ?', first.seq)
    expect(await verify()).toMatchObject({ ok: false, problem: 'truncated', first_bad_seq: first.seq + 1 })
  })
})

describe('the sealer refuses to seal over a damaged chain', () => {
  const errorLines = (spy: { mock: { calls: unknown[][] } }) => spy.mock.calls.map((c) => JSON.parse(String(c[0])))

  it('after a truncation: it logs one error line, seals nothing, and verify shows it', async () => {
    const [first, second] = await twoAnchoredHeads()
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    sql('DELETE FROM audit_log WHERE seq > ?', first.seq)
    sql('DELETE FROM audit_seals WHERE seq > ?', first.seq)
    // The deleted sequence numbers are handed out again, so the chain looks continuous.
    sql("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_log'", first.seq)
    await write(5)
    expect(lastSeq()).toBeGreaterThan(second.seq)
    expect(await sealAudit(deps())).toBe(0)
    expect(await sealAudit(deps())).toBe(0)
    expect(count('audit_seals')).toBe(1)
    expect(t.sqlite.prepare('SELECT count(*) FROM audit_log WHERE hash IS NOT NULL AND seq > ?').pluck().get(first.seq)).toBe(0)
    expect((await anchor.all()).heads).toHaveLength(2)
    expect(errorLines(errors)).toEqual([expect.objectContaining({ level: 'error', job: 'audit-seal', problem: 'anchor_mismatch', head_seq: second.seq })])
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      problem: 'anchor_mismatch',
      first_bad_seq: first.seq + 1,
      sealing_stopped: { problem: 'anchor_mismatch', head_seq: second.seq },
    })
  })

  it('after every hash and seal was blanked: the rewritten chain is not sealed again', async () => {
    const [, second] = await twoAnchoredHeads()
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    sql(`UPDATE audit_log SET after = '{"risk_level":"high"}' WHERE seq = ?`, second.seq)
    sql('UPDATE audit_log SET hash = NULL')
    sql('DELETE FROM audit_seals')
    expect(await sealAudit(deps())).toBe(0)
    expect(count('audit_seals')).toBe(0)
    expect(t.sqlite.prepare('SELECT count(*) FROM audit_log WHERE hash IS NOT NULL').pluck().get()).toBe(0)
    expect(errorLines(errors)).toEqual([expect.objectContaining({ problem: 'anchor_mismatch', head_seq: second.seq })])
    expect(await verifyAudit(deps())).toMatchObject({ ok: false, problem: 'anchor_mismatch' })
  })

  it('also without an anchor, once this process has sealed a head the database lost', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const bare = () => deps({ auditAnchor: undefined })
    await write(2)
    await sealAudit(bare())
    const head = lastSeq()
    sql('UPDATE audit_log SET hash = NULL')
    sql('DELETE FROM audit_seals')
    expect(await sealAudit(bare())).toBe(0)
    expect(count('audit_seals')).toBe(0)
    expect(errorLines(errors)).toEqual([expect.objectContaining({ problem: 'anchor_mismatch', head_seq: head })])
  })

  it('when the newest seal no longer matches its entry, even in a process that remembers nothing', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    await twoAnchoredHeads()
    const seal = lastSeq()
    sql('DELETE FROM audit_log WHERE seq >= ?', seal - 1)
    await write(2)
    // A fresh process (its own sealer state) with no anchor: the database's own newest seal tells.
    const fresh = deps({ store: { ...t.store }, auditAnchor: undefined })
    expect(await sealAudit(fresh)).toBe(0)
    expect(count('audit_seals')).toBe(2)
    expect(errorLines(errors)).toEqual([expect.objectContaining({ problem: 'seal_mismatch', head_seq: seal })])
  })
})

describe('entries left unsealed too long', () => {
  it('are counted by verify once older than AUDIT_SEAL_GRACE_SECONDS, without calling the log tampered', async () => {
    await write(1)
    await sealAudit(deps())
    await write(2)
    const first = lastSeq() - 1
    expect(await verifyAudit(deps())).toMatchObject({ ok: true, unsealed: 2, unsealed_overdue: { count: 0, first_seq: null, grace_seconds: 120 } })
    t.clock.advance(121_000)
    await write(1) // a fresh one is not overdue yet
    expect(await verifyAudit(deps())).toMatchObject({ ok: true, unsealed: 3, unsealed_overdue: { count: 2, first_seq: first, grace_seconds: 120 } })
    await sealAudit(deps())
    expect(await verifyAudit(deps())).toMatchObject({ ok: true, unsealed: 0, unsealed_overdue: { count: 0 } })
  })
})

describe('GET /api/v1/audit/head', () => {
  it('publishes the latest anchored head to anyone, verifiable with the JWKS', async () => {
    const app = createApp(deps())
    const before = await app.request('/api/v1/audit/head')
    expect(before.status).toBe(404)
    expect(await before.json()).toMatchObject({ error: { code: 'no_audit_head' } })
    await write(1)
    await sealAudit(deps())
    const res = await app.request('/api/v1/audit/head')
    expect(res.status).toBe(200)
    const head = await res.json()
    expect(head).toMatchObject({ issuer_code: t.config.ISSUER_CODE, seq: lastSeq(), anchored: true, hash: (await anchor.latest())!.hash })
    expect(Object.keys(head).sort()).toEqual(['anchored', 'at', 'hash', 'issuer_code', 'kid', 'seq', 'token'])
    const jwks = await (await app.request('/.well-known/jwks.json')).json()
    const { payload } = await compactVerify(head.token, createLocalJWKSet(jwks))
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ typ: 'audit-seal', iss: t.config.ISSUER_CODE, seq: head.seq, hash: head.hash, at: head.at })
  })

  it('falls back to the database’s newest seal where there is no anchor', async () => {
    await write(1)
    await sealAudit(deps({ auditAnchor: undefined }))
    const res = await t.call('GET', '/api/v1/audit/head')
    expect(res.json).toMatchObject({ seq: lastSeq(), anchored: false })
  })
})
