import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  closeSync,
  writeSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compactVerify, createLocalJWKSet } from 'jose'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { createApp } from '../../src/app.ts'
import type { Deps } from '../../src/app-env.ts'
import { headLine, type AuditAnchor, type SignedHead } from '../../src/audit/anchor.ts'
import { fileAnchor } from '../../src/audit/anchor-file.ts'
import { chainHash, sealAudit, verifyAudit } from '../../src/audit/chain.ts'

let t: TestApp
let dir: string
let anchorPath: string
let anchor: AuditAnchor
const deps = (more: Partial<Deps> = {}): Deps => ({
  store: t.store,
  config: t.config,
  clock: t.clock,
  auditAnchor: anchor,
  ...more,
})
const sql = (text: string, ...params: unknown[]) => t.sqlite.prepare(text).run(...params)
const count = (table: string) =>
  t.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
const lastSeq = () => t.sqlite.prepare('SELECT max(seq) FROM audit_log').pluck().get() as number
/** The heads in the anchor file, read the way verify reads them. */
async function anchoredHeads(from: AuditAnchor = anchor): Promise<SignedHead[]> {
  const heads: SignedHead[] = []
  for await (const head of from.read()) if (head) heads.push(head)
  return heads
}
const anchorLines = () => readFileSync(anchorPath, 'utf8').trim().split('\n')
/** Past the anchor interval (60 s by default): the next seal is anchored. */
const pastAnchorInterval = () => t.clock.advance(60_000)

let level = 'low'
/** One audited write (a region's risk level, back and forth). */
async function write(n = 1) {
  for (let i = 0; i < n; i++) {
    level = level === 'low' ? 'medium' : 'low'
    const res = await t.call('PUT', '/api/v1/regions/330102/risk', {
      as: 'coordinator',
      body: { level, reason: '轨迹' },
    })
    expect(res.status).toBe(200)
  }
}

/** Two seals a minute apart, so the anchor holds two heads: [first, second]. */
async function twoAnchoredHeads() {
  await write(3)
  await sealAudit(deps())
  pastAnchorInterval()
  await write(3)
  await sealAudit(deps())
  const heads = await anchoredHeads()
  expect(heads.map((h) => h.seq)).toEqual([lastSeq() - 3, lastSeq()])
  expect(await verifyAudit(deps())).toMatchObject({
    ok: true,
    anchor: { heads: 2, last: { seq: lastSeq() } },
  })
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
  it('gets the first signed head at once, in a 0600 file, and nothing when there is nothing new', async () => {
    await write(2)
    await sealAudit(deps())
    await sealAudit(deps())
    const lines = readFileSync(anchorPath, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(1)
    const head = JSON.parse(lines[0])
    expect(head).toMatchObject({
      seq: lastSeq(),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      kid: expect.any(String),
    })
    // The same head as the seal in the database, signed with the service key.
    expect(
      t.sqlite
        .prepare('SELECT seq, hash, at, kid, token FROM audit_seals ORDER BY seq DESC LIMIT 1')
        .get(),
    ).toEqual(head)
    expect(statSync(anchorPath).mode & 0o777).toBe(0o600)
    pastAnchorInterval()
    await write(1)
    await sealAudit(deps())
    expect((await anchoredHeads()).map((h) => h.seq)).toEqual([lastSeq() - 1, lastSeq()])
  })

  it('skips a line torn by a crash, and the next head starts on a line of its own', async () => {
    await write(1)
    await sealAudit(deps())
    appendFileSync(anchorPath, '{"seq":99,"hash":"ab')
    expect(await verifyAudit(deps())).toMatchObject({
      ok: true,
      anchor: { heads: 1, skipped_lines: 1 },
    })
    pastAnchorInterval()
    await write(1)
    await sealAudit(deps())
    expect(await anchor.latest()).toMatchObject({ seq: lastSeq() })
    expect(await verifyAudit(deps())).toMatchObject({
      ok: true,
      anchor: { heads: 2, skipped_lines: 1, last: { seq: lastSeq() } },
    })
  })

  it('lets a crash between the seal and the anchor append pass: the next run appends the head', async () => {
    await write(2)
    const crashing: AuditAnchor = {
      ...anchor,
      append: async () => Promise.reject(new Error('power cut')),
    }
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
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      problem: 'truncated',
      first_bad_seq: first.seq + 1,
      anchor_seq: second.seq,
    })
  })

  it('catches entries rewritten with every hash and seal blanked, naming where the damage starts', async () => {
    const [first, second] = await twoAnchoredHeads()
    sql(`UPDATE audit_log SET after = '{"risk_level":"high"}' WHERE seq = ?`, first.seq + 2)
    sql('UPDATE audit_log SET hash = NULL')
    sql('DELETE FROM audit_seals')
    expect(await verifyAudit(deps({ auditAnchor: undefined }))).toMatchObject({ ok: true })
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      problem: 'anchor_mismatch',
      first_bad_seq: first.seq + 1,
      anchor_seq: second.seq,
    })
  })

  it('catches entries rewritten and hashed again, their seals deleted', async () => {
    const [first, second] = await twoAnchoredHeads()
    sql(`UPDATE audit_log SET after = '{"risk_level":"high"}' WHERE seq = ?`, first.seq + 1)
    const rows = t.sqlite
      .prepare('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq')
      .all(first.seq) as never[]
    let previous = first.hash
    for (const row of rows) {
      previous = await chainHash(previous, row)
      sql('UPDATE audit_log SET hash = ? WHERE seq = ?', previous, (row as { seq: number }).seq)
    }
    sql('DELETE FROM audit_seals WHERE seq > ?', first.seq)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      problem: 'anchor_mismatch',
      first_bad_seq: first.seq + 1,
      anchor_seq: second.seq,
    })
  })

  it('catches an anchored seal deleted from the database, the entries untouched', async () => {
    const [, second] = await twoAnchoredHeads()
    sql('DELETE FROM audit_seals WHERE seq = ?', second.seq)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      problem: 'seal_missing',
      first_bad_seq: second.seq,
    })
  })

  it('is what GET /audit/verify answers when the runtime has an anchor', async () => {
    const [first] = await twoAnchoredHeads()
    const app = createApp(deps())
    const verify = async () =>
      (
        await app.request('/api/v1/audit/verify', {
          headers: { authorization: `Bearer ${await t.tokenFor('coordinator')}` },
        })
      ).json()
    expect(await verify()).toMatchObject({ ok: true, anchor: { heads: 2 } })
    sql('DELETE FROM audit_log WHERE seq > ?', first.seq)
    sql('DELETE FROM audit_seals WHERE seq > ?', first.seq)
    expect(await verify()).toMatchObject({
      ok: false,
      problem: 'truncated',
      first_bad_seq: first.seq + 1,
    })
  })
})

describe('the sealer refuses to seal over a damaged chain', () => {
  const errorLines = (spy: { mock: { calls: unknown[][] } }) =>
    spy.mock.calls.map((c) => JSON.parse(String(c[0])))

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
    expect(
      t.sqlite
        .prepare('SELECT count(*) FROM audit_log WHERE hash IS NOT NULL AND seq > ?')
        .pluck()
        .get(first.seq),
    ).toBe(0)
    expect(await anchoredHeads()).toHaveLength(2)
    expect(errorLines(errors)).toEqual([
      expect.objectContaining({
        level: 'error',
        job: 'audit-seal',
        problem: 'anchor_mismatch',
        head_seq: second.seq,
      }),
    ])
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
    expect(
      t.sqlite.prepare('SELECT count(*) FROM audit_log WHERE hash IS NOT NULL').pluck().get(),
    ).toBe(0)
    expect(errorLines(errors)).toEqual([
      expect.objectContaining({ problem: 'anchor_mismatch', head_seq: second.seq }),
    ])
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
    expect(errorLines(errors)).toEqual([
      expect.objectContaining({ problem: 'anchor_mismatch', head_seq: head }),
    ])
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
    expect(errorLines(errors)).toEqual([
      expect.objectContaining({ problem: 'seal_mismatch', head_seq: seal }),
    ])
  })
})

describe('entries left unsealed too long', () => {
  it('are counted by verify once older than AUDIT_SEAL_GRACE_SECONDS, without calling the log tampered', async () => {
    await write(1)
    await sealAudit(deps())
    await write(2)
    const first = lastSeq() - 1
    expect(await verifyAudit(deps())).toMatchObject({
      ok: true,
      unsealed: 2,
      unsealed_overdue: { count: 0, first_seq: null, grace_seconds: 120 },
    })
    t.clock.advance(121_000)
    await write(1) // a fresh one is not overdue yet
    expect(await verifyAudit(deps())).toMatchObject({
      ok: true,
      unsealed: 3,
      unsealed_overdue: { count: 2, first_seq: first, grace_seconds: 120 },
    })
    await sealAudit(deps())
    expect(await verifyAudit(deps())).toMatchObject({
      ok: true,
      unsealed: 0,
      unsealed_overdue: { count: 0 },
    })
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
    expect(head).toMatchObject({
      issuer_code: t.config.ISSUER_CODE,
      seq: lastSeq(),
      anchored: true,
      hash: (await anchor.latest())!.hash,
    })
    expect(Object.keys(head).sort()).toEqual([
      'anchored',
      'at',
      'hash',
      'issuer_code',
      'kid',
      'seq',
      'token',
    ])
    const jwks = await (await app.request('/.well-known/jwks.json')).json()
    const { payload } = await compactVerify(head.token, createLocalJWKSet(jwks))
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({
      typ: 'audit-seal',
      iss: t.config.ISSUER_CODE,
      seq: head.seq,
      hash: head.hash,
      at: head.at,
    })
  })

  it('falls back to the database’s newest seal where there is no anchor', async () => {
    await write(1)
    await sealAudit(deps({ auditAnchor: undefined }))
    const res = await t.call('GET', '/api/v1/audit/head')
    expect(res.json).toMatchObject({ seq: lastSeq(), anchored: false })
  })
})

describe('the anchor gets at most one head per AUDIT_ANCHOR_INTERVAL_SECONDS', () => {
  it('keeps to one line while the log is sealed every second for a minute, and checks every seal', async () => {
    await write(1)
    await sealAudit(deps())
    for (let i = 0; i < 30; i++) {
      t.clock.advance(1_000)
      await write(1)
      await sealAudit(deps())
    }
    expect(count('audit_seals')).toBe(31)
    expect(anchorLines()).toHaveLength(1)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: true,
      sealed_through: lastSeq(),
      anchor: { heads: 1, last: { seq: lastSeq() - 30 } },
    })
    t.clock.advance(30_000) // a minute after the anchored head
    await write(1)
    await sealAudit(deps())
    expect((await anchoredHeads()).map((h) => h.seq)).toEqual([lastSeq() - 31, lastSeq()])
  })

  it('anchors a waiting head once the interval has passed, with nothing new to seal', async () => {
    await write(1)
    await sealAudit(deps())
    t.clock.advance(5_000)
    await write(1)
    await sealAudit(deps())
    expect(anchorLines()).toHaveLength(1)
    t.clock.advance(60_000)
    expect(await sealAudit(deps())).toBe(0)
    expect((await anchor.latest())?.seq).toBe(lastSeq())
  })

  it('anchors the newest head at once when asked to (at shutdown)', async () => {
    await write(1)
    await sealAudit(deps())
    await write(2)
    await sealAudit(deps(), { anchorNow: true })
    expect((await anchoredHeads()).map((h) => h.seq)).toEqual([lastSeq() - 2, lastSeq()])
  })

  it('still refuses to seal over the unanchored seals of this minute once they are truncated', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    await write(2)
    await sealAudit(deps())
    const anchoredSeq = lastSeq()
    t.clock.advance(1_000)
    await write(3)
    await sealAudit(deps())
    expect((await anchor.latest())?.seq).toBe(anchoredSeq)
    sql('DELETE FROM audit_log WHERE seq > ?', anchoredSeq + 1)
    sql('DELETE FROM audit_seals WHERE seq > ?', anchoredSeq)
    sql("UPDATE sqlite_sequence SET seq = ? WHERE name = 'audit_log'", anchoredSeq + 1)
    await write(1)
    // The trade-off: past the last anchored head, the database alone looks whole to verify; the
    // sealer's memory of its own last head is what refuses (and verify shows that it refuses).
    expect(await sealAudit(deps())).toBe(0)
    expect(count('audit_seals')).toBe(1)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: true,
      sealing_stopped: { problem: 'truncated', head_seq: anchoredSeq + 3 },
    })
  })
})

describe('verify reads the anchor file line by line', () => {
  const LINES = 200_000
  const fakeHead = (seq: number, real: SignedHead): SignedHead => ({
    ...real,
    seq,
    hash: seq.toString(16).padStart(64, '0'),
  })

  it(
    'finds a truncation behind 200,000 anchored heads, naming the last one',
    { timeout: 60_000 },
    async () => {
      await write(3)
      await sealAudit(deps())
      const real = (await anchor.latest())!
      const chunk: string[] = []
      for (let seq = real.seq + 1; seq < real.seq + LINES; seq++) {
        chunk.push(headLine(fakeHead(seq, real)))
        if (chunk.length === 10_000) appendFileSync(anchorPath, chunk.splice(0).join(''))
      }
      appendFileSync(anchorPath, chunk.join(''))
      expect(statSync(anchorPath).size).toBeGreaterThan(LINES * 300)
      expect(await verifyAudit(deps())).toMatchObject({
        ok: false,
        problem: 'truncated',
        first_bad_seq: real.seq + 1,
        anchor_seq: real.seq + LINES - 1,
      })
    },
  )

  it(
    'streams: a line changed on disk after the first head was read is read as changed',
    { timeout: 60_000 },
    async () => {
      await write(1)
      await sealAudit(deps())
      const real = (await anchor.latest())!
      writeFileSync(
        anchorPath,
        Array.from({ length: LINES }, (_, i) => headLine(fakeHead(i + 1, real))).join(''),
      )
      const heads = anchor.read()[Symbol.asyncIterator]()
      expect((await heads.next()).value).toMatchObject({ seq: 1 })
      // Overwrite the last line in place (same length): a reader that took the whole file already
      // would still hand out the old one.
      const last = headLine(fakeHead(LINES, real))
      const changed = headLine({ ...fakeHead(LINES, real), hash: 'f'.repeat(64) })
      const fd = openSync(anchorPath, 'r+')
      writeSync(fd, changed, statSync(anchorPath).size - Buffer.byteLength(last))
      closeSync(fd)
      let read = 1
      let lastRead: SignedHead | null = null
      for (let next = await heads.next(); !next.done; next = await heads.next()) {
        read++
        lastRead = next.value
      }
      expect(read).toBe(LINES)
      expect(lastRead).toMatchObject({ seq: LINES, hash: 'f'.repeat(64) })
    },
  )
})

describe('a lost or replaced anchor', () => {
  const errorLines = (spy: { mock: { calls: unknown[][] } }) =>
    spy.mock.calls.map((c) => JSON.parse(String(c[0])))
  /** Another process on the same database: it remembers nothing of this one's seals. */
  const restarted = (more: Partial<Deps> = {}) => deps({ store: { ...t.store }, ...more })

  it('is reported once the database holds seals older than the interval and the grace, and the next start refuses to seal', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const [first] = await twoAnchoredHeads()
    t.clock.advance(200_000)
    // The anchor deleted, the entries after the first seal rewritten, their hashes and seals removed.
    rmSync(anchorPath)
    sql(`UPDATE audit_log SET after = '{"risk_level":"high"}' WHERE seq = ?`, first.seq + 2)
    sql('UPDATE audit_log SET hash = NULL WHERE seq > ?', first.seq)
    sql('DELETE FROM audit_seals WHERE seq > ?', first.seq)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      problem: 'anchor_missing',
      first_bad_seq: 1,
    })
    expect(await sealAudit(restarted())).toBe(0)
    expect(count('audit_seals')).toBe(1)
    expect(errorLines(errors)).toEqual([expect.objectContaining({ problem: 'anchor_missing' })])
    expect(existsSyncSafe(anchorPath)).toBe(false) // no new anchor started over the loss
  })

  it('is noticed at once by the sealer that anchored the lost heads', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    const [, second] = await twoAnchoredHeads()
    rmSync(anchorPath)
    await write(1)
    expect(await sealAudit(deps())).toBe(0)
    expect(await verifyAudit(deps())).toMatchObject({
      sealing_stopped: { problem: 'anchor_missing', head_seq: second.seq },
    })
  })

  it('is reported when its last head is older than the newest seal by more than the interval and the grace', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {})
    await write(1)
    await sealAudit(deps())
    const first = lastSeq()
    copyFileSync(anchorPath, join(dir, 'older.jsonl'))
    t.clock.advance(181_000)
    await write(1)
    await sealAudit(deps())
    copyFileSync(join(dir, 'older.jsonl'), anchorPath)
    expect(await verifyAudit(deps())).toMatchObject({
      ok: false,
      problem: 'anchor_missing',
      first_bad_seq: first + 1,
      anchor_seq: first,
    })
    expect(await sealAudit(restarted())).toBe(0)
  })

  it('is not reported for a database sealed for the first time just now (a crash before its first head was anchored)', async () => {
    await write(1)
    await sealAudit(deps({ auditAnchor: undefined }))
    expect(await verifyAudit(deps())).toMatchObject({ ok: true, anchor: { heads: 0, last: null } })
    expect(await sealAudit(restarted())).toBe(0)
    expect(await anchor.latest()).toMatchObject({ seq: lastSeq() })
  })
})

describe('where the runtime keeps no anchor (Workers)', () => {
  it('says plainly that truncation cannot be detected', async () => {
    await write(1)
    await sealAudit(deps({ auditAnchor: undefined }))
    expect(await verifyAudit(deps({ auditAnchor: undefined }))).toMatchObject({
      ok: true,
      anchor: null,
      truncation_detectable: false,
    })
    expect(await verifyAudit(deps())).toMatchObject({ truncation_detectable: true })
    const res = await t.call('GET', '/api/v1/audit/verify', { as: 'coordinator' })
    expect(res.json).toMatchObject({ ok: true, anchor: null, truncation_detectable: false })
  })
})

function existsSyncSafe(path: string) {
  try {
    statSync(path)
    return true
  } catch {
    return false
  }
}
