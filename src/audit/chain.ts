import { compactVerify, importJWK } from 'jose'
import { sql } from 'kysely'
import { firstRow, precompiled, rows as allRows } from '../db/precompiled.ts'
import type { Deps } from '../http/env.ts'
import type { AuditLogRow } from './audit.table.ts'
import { signCompact } from '../passes/pass-token.ts'
import { loadSigningKeys } from '../trust/signing-keys.ts'

// The audit log is a hash chain: each entry's hash covers the previous hash and the entry's own
// fields, so editing, deleting or reordering any sealed entry breaks every hash after it. The head
// is signed with the service key now and then, so rewriting the whole chain needs that key too.

export const GENESIS = '0'.repeat(64)
const encoder = new TextEncoder()

type ChainFields = Pick<AuditLogRow, 'seq' | 'at' | 'actor' | 'action' | 'subject' | 'before' | 'after'>

/** SHA-256 of a text, as hex, computed at once (Node gives `node:crypto`'s; see Deps.sha256Hex). */
export type Sha256Hex = (text: string) => string

export async function chainHash(previous: string, entry: ChainFields, sha256Hex?: Sha256Hex): Promise<string> {
  const canonical = JSON.stringify([previous, entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.before, entry.after])
  // WebCrypto, the portable way, hands every digest to another thread and back: fine for a few,
  // slow for the thousands a busy minute writes. A runtime with a synchronous hash passes it in.
  if (sha256Hex) return sha256Hex(canonical)
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(canonical))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

const BATCH = 1000

// Sealing runs every second under load: its reads are compiled once too.
const lastSealed = precompiled([], (db) => db.selectFrom('audit_log').select(['seq', 'hash']).where('hash', 'is not', null).orderBy('seq', 'desc').limit(1))
const entriesAfter = precompiled(['after'], (db, a: { after: number }) => db.selectFrom('audit_log').selectAll().where('seq', '>', a.after).orderBy('seq').limit(BATCH))

// One statement seals a whole batch: the hashes travel as one JSON list of [seq, hash].
const setHashes = precompiled(['pairs'], (db, a: { pairs: string }) =>
  sql`UPDATE audit_log SET hash = json_extract(sealed.value, '$[1]')
      FROM json_each(${a.pairs}) AS sealed
      WHERE audit_log.seq = json_extract(sealed.value, '$[0]') AND audit_log.hash IS NULL`.compile(db),
)

/**
 * Hashes the entries written since the last seal, in order, and signs the new head. Hashes depend
 * only on the entries, so two sealers racing write the same values. Returns the number sealed.
 */
export async function sealAudit(deps: Deps): Promise<number> {
  const db = deps.store.db
  let sealed = 0
  for (;;) {
    const last = await firstRow(db, lastSealed({}))
    const rows = await allRows(db, entriesAfter({ after: last?.seq ?? 0 }))
    if (rows.length === 0) break
    let previous = last?.hash ?? GENESIS
    const pairs: [number, string][] = []
    for (const row of rows) {
      // A gap (an entry deleted before it was sealed) is sealed around; verify reports it.
      previous = await chainHash(previous, row, deps.sha256Hex)
      pairs.push([row.seq, previous])
    }
    await deps.store.atomic([setHashes({ pairs: JSON.stringify(pairs) })])
    sealed += rows.length
    if (rows.length < BATCH) break
  }
  if (sealed > 0) await signHead(deps)
  return sealed
}

async function signHead(deps: Deps) {
  const db = deps.store.db
  const head = await db.selectFrom('audit_log').select(['seq', 'hash']).where('hash', 'is not', null).orderBy('seq', 'desc').limit(1).executeTakeFirst()
  if (!head?.hash) return
  const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
  const at = deps.clock().toISOString()
  const token = await signCompact(JSON.stringify({ typ: 'audit-seal', seq: head.seq, hash: head.hash, at }), keys.current)
  await db
    .insertInto('audit_seals')
    .values({ seq: head.seq, hash: head.hash, at, kid: keys.current.kid, token })
    .onConflict((oc) => oc.column('seq').doNothing())
    .execute()
}

export type ChainReport =
  | { ok: true; entries: number; sealed_through: number; unsealed: number; last_seal: { seq: number; at: string } | null }
  | { ok: false; first_bad_seq: number; problem: AuditProblem; entries: number }

/**
 * `hash_mismatch`: the entry was edited, or entries were swapped; `missing`: an entry was deleted;
 * `hash_removed`: a sealed entry's hash was blanked; `seal_mismatch`: a signed head no longer
 * matches (entries after it deleted, or the chain rewritten); `seal_signature`: a seal is forged.
 */
export type AuditProblem = 'hash_mismatch' | 'missing' | 'hash_removed' | 'seal_mismatch' | 'seal_signature'

/**
 * Recomputes the chain from the first entry and reports the first entry that was edited, deleted
 * or moved, then checks the signed seals against it. Unsealed entries (written since the last
 * seal) are counted but cannot be judged yet.
 */
export async function verifyAudit(deps: Deps): Promise<ChainReport> {
  const db = deps.store.db
  let previous = GENESIS
  let expectedSeq = 1
  let entries = 0
  let sealedThrough = 0
  let unsealed = 0
  let firstUnsealed = 0
  const hashes = new Map<number, string>()
  const seals = await db.selectFrom('audit_seals').selectAll().orderBy('seq').execute()
  const sealSeqs = new Set(seals.map((s) => s.seq))
  for (let after = 0; ; ) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq').limit(5000).execute()
    if (rows.length === 0) break
    for (const row of rows) {
      entries++
      if (row.seq !== expectedSeq) return { ok: false, first_bad_seq: expectedSeq, problem: 'missing', entries }
      expectedSeq++
      if (row.hash === null) {
        unsealed++
        firstUnsealed ||= row.seq
        continue
      }
      // Sealing goes in order: a sealed entry after an unsealed one had its hash removed.
      if (firstUnsealed) return { ok: false, first_bad_seq: firstUnsealed, problem: 'hash_removed', entries }
      if ((await chainHash(previous, row, deps.sha256Hex)) !== row.hash) return { ok: false, first_bad_seq: row.seq, problem: 'hash_mismatch', entries }
      previous = row.hash
      sealedThrough = row.seq
      if (sealSeqs.has(row.seq)) hashes.set(row.seq, row.hash)
    }
    after = rows[rows.length - 1].seq
  }
  const { resolveOwn } = await ownKeyResolver(deps)
  for (const seal of seals) {
    const key = await resolveOwn(seal.kid)
    let payload: { seq?: number; hash?: string } = {}
    try {
      if (!key) throw new Error('unknown key')
      payload = JSON.parse(new TextDecoder().decode((await compactVerify(seal.token, key, { algorithms: ['EdDSA'] })).payload))
    } catch {
      return { ok: false, first_bad_seq: seal.seq, problem: 'seal_signature', entries }
    }
    // A seal past the end means entries after it were deleted; a different hash means rewritten.
    if (payload.seq !== seal.seq || payload.hash !== seal.hash || hashes.get(seal.seq) !== seal.hash) {
      return { ok: false, first_bad_seq: Math.min(seal.seq, expectedSeq), problem: 'seal_mismatch', entries }
    }
  }
  const last = seals.at(-1)
  return { ok: true, entries, sealed_through: sealedThrough, unsealed, last_seal: last ? { seq: last.seq, at: last.at } : null }
}

async function ownKeyResolver(deps: Deps) {
  const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
  return {
    resolveOwn: async (kid: string) => {
      const key = keys.byKid.get(kid)
      return key ? importJWK(key.publicJwk, 'EdDSA') : undefined
    },
  }
}

