import { compactVerify, importJWK } from 'jose'
import { sql } from 'kysely'
import { firstRow, precompiled, rows as allRows } from '../db/precompiled.ts'
import type { Store } from '../db/store.ts'
import type { Deps } from '../http/env.ts'
import type { AuditLogRow } from './audit.table.ts'
import { checkHead, checkLastSeal, lastSeal, type HeadCheck, type SignedHead } from './anchor.ts'
import { signCompact } from '../passes/pass-token.ts'
import { loadSigningKeys } from '../trust/signing-keys.ts'

// The audit log is a hash chain: each entry's hash covers the previous hash and the entry's own
// fields, so editing, deleting or reordering any sealed entry breaks every hash after it. The head
// is signed with the service key now and then, so rewriting the whole chain needs that key too.
// Each signed head also goes to an anchor outside the database (anchor.ts), which remembers how
// far the chain went when the database no longer does.

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

/** Why sealing stopped, and since when; null while it runs. */
export type SealingStopped = HeadCheck & { since: string }

interface Sealer {
  /** The run waiting for the current one to finish, shared by everyone who asks meanwhile. */
  queued: Promise<number> | null
  tail: Promise<unknown>
  /** The newest head this process saw sealed: an anchor in memory, where there is no other. */
  lastHead: { seq: number; hash: string } | null
  stopped: SealingStopped | null
}

// Per database, not per Deps object: callers may build a fresh Deps around the same store.
const sealers = new WeakMap<Store, Sealer>()

function sealerFor(store: Store): Sealer {
  let sealer = sealers.get(store)
  if (!sealer) sealers.set(store, (sealer = { queued: null, tail: Promise.resolve(), lastHead: null, stopped: null }))
  return sealer
}

/** Why this process refuses to seal, or null. */
export const sealingStopped = (store: Store) => sealers.get(store)?.stopped ?? null

/**
 * Hashes the entries written since the last seal, in order, signs the new head into
 * `audit_seals` and then appends it to the anchor. One run at a time per database (the timer can
 * fire while a slow run goes on), so heads reach the anchor in order. Returns the number sealed.
 *
 * Before anything, the last head sealed (the anchor's, or this process's own) must still be in
 * the database, and the newest seal must match its entry. If not, entries or seals were deleted
 * or rewritten: sealing stops, with one error line, rather than sign the damaged chain as if it
 * were whole. It resumes by itself if the check passes again (the damage undone).
 */
export function sealAudit(deps: Deps): Promise<number> {
  const sealer = sealerFor(deps.store)
  if (sealer.queued) return sealer.queued
  const run = sealer.tail.then(() => {
    sealer.queued = null
    return sealOnce(deps, sealer)
  })
  sealer.queued = run
  sealer.tail = run.catch(() => undefined)
  return run
}

async function sealOnce(deps: Deps, sealer: Sealer): Promise<number> {
  const db = deps.store.db
  const anchored = deps.auditAnchor ? await deps.auditAnchor.latest() : null
  const known = anchored && (!sealer.lastHead || anchored.seq >= sealer.lastHead.seq) ? anchored : sealer.lastHead
  const problem = (known ? await checkHead(db, known) : null) ?? (await checkLastSeal(db))
  if (problem) {
    stopSealing(deps, sealer, problem)
    return 0
  }
  if (sealer.stopped) {
    console.log(JSON.stringify({ level: 'info', job: 'audit-seal', message: 'audit sealing resumed: the chain matches its last sealed head again' }))
    sealer.stopped = null
  }

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

  const seal = await signHead(deps)
  if (!seal) return sealed
  sealer.lastHead = { seq: seal.seq, hash: seal.hash }
  // The seal is committed (and on disk) before its head is appended: a crash in between leaves
  // a seal the anchor lacks, which the next run appends; never an anchored head the database
  // lacks, which would look like truncation.
  if (deps.auditAnchor && seal.seq > (anchored?.seq ?? 0)) await deps.auditAnchor.append(seal)
  return sealed
}

function stopSealing(deps: Deps, sealer: Sealer, problem: HeadCheck) {
  const same = sealer.stopped?.problem === problem.problem && sealer.stopped.head_seq === problem.head_seq
  if (same) return
  sealer.stopped = { ...problem, since: deps.clock().toISOString() }
  // One line per new finding, not one per second.
  console.error(
    JSON.stringify({
      level: 'error',
      job: 'audit-seal',
      message: 'refusing to seal the audit log: a head sealed earlier is no longer in the database (entries or seals deleted or rewritten)',
      ...problem,
      anchor: deps.auditAnchor?.name ?? null,
    }),
  )
}

/** Signs the chain head if the newest seal is behind it; returns the newest seal. */
async function signHead(deps: Deps): Promise<SignedHead | null> {
  const db = deps.store.db
  const head = await firstRow(db, lastSealed({}))
  const newest = await firstRow(db, lastSeal({}))
  if (!head?.hash || (newest && newest.seq >= head.seq)) return newest ?? null
  const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
  const at = deps.clock().toISOString()
  const token = await signCompact(JSON.stringify({ typ: 'audit-seal', iss: deps.config.ISSUER_CODE, seq: head.seq, hash: head.hash, at }), keys.current)
  // Through `atomic`: answered only once committed, as the anchor's write order needs.
  await deps.store.atomic([
    db.insertInto('audit_seals').values({ seq: head.seq, hash: head.hash, at, kid: keys.current.kid, token }).onConflict((oc) => oc.column('seq').doNothing()),
  ])
  return (await firstRow(db, lastSeal({}))) ?? null
}

/**
 * The newest signed head, for other issuers to record: the anchor's (it outlives the database),
 * else the database's newest seal; null before the first seal.
 */
export async function latestSignedHead(deps: Deps): Promise<{ head: SignedHead; anchored: boolean } | null> {
  const anchored = deps.auditAnchor ? await deps.auditAnchor.latest() : null
  if (anchored) return { head: anchored, anchored: true }
  const seal = await firstRow(deps.store.db, lastSeal({}))
  return seal ? { head: seal, anchored: false } : null
}

interface AnchorSummary {
  name: string
  heads: number
  /** Lines that were not a head (a torn last line after a crash, or damage). */
  skipped_lines: number
  last: { seq: number; at: string } | null
}

export type ChainReport =
  | {
      ok: true
      entries: number
      sealed_through: number
      unsealed: number
      last_seal: { seq: number; at: string } | null
      /** The newest head found in the anchor; null without one. */
      anchor: AnchorSummary | null
      /** Unsealed entries older than AUDIT_SEAL_GRACE_SECONDS: the sealer is not running or refuses. */
      unsealed_overdue: { count: number; first_seq: number | null; grace_seconds: number }
      sealing_stopped?: SealingStopped
    }
  | {
      ok: false
      first_bad_seq: number
      problem: AuditProblem
      entries: number
      /** For anchor problems: the anchored head that no longer matches (the damage lies before it). */
      anchor_seq?: number
      sealing_stopped?: SealingStopped
    }

/**
 * `hash_mismatch`: the entry was edited, or entries were swapped; `missing`: an entry was deleted;
 * `hash_removed`: a sealed entry's hash was blanked; `seal_mismatch`: a signed head no longer
 * matches (entries after it deleted, or the chain rewritten); `seal_signature`: a seal is forged;
 * `truncated`: the anchor holds a head beyond the last entry (the newest entries deleted with
 * their seals); `anchor_mismatch`: the chain recomputed from the entries differs from an anchored
 * head (entries rewritten, whatever was done to the hashes and seals); `seal_missing`: an
 * anchored head's seal was deleted from the database.
 */
export type AuditProblem = 'hash_mismatch' | 'missing' | 'hash_removed' | 'seal_mismatch' | 'seal_signature' | 'truncated' | 'anchor_mismatch' | 'seal_missing'

/**
 * Recomputes the chain from the first entry and reports the first entry that was edited, deleted
 * or moved; compares it with the heads kept in the anchor (outside the database), then checks the
 * signed seals against it. Unsealed entries (written since the last seal) cannot be judged by
 * their own hashes yet; those older than the grace period are reported.
 */
export async function verifyAudit(deps: Deps): Promise<ChainReport> {
  const db = deps.store.db
  const stopped = sealingStopped(deps.store)
  const extra = stopped ? { sealing_stopped: stopped } : {}
  const anchor = deps.auditAnchor ? { name: deps.auditAnchor.name, ...(await deps.auditAnchor.all()) } : null
  // seq → the anchored hash; two different hashes for one seq can match nothing.
  const anchoredHashes = new Map<number, string>()
  let anchoredThrough = 0
  for (const head of anchor?.heads ?? []) {
    const seen = anchoredHashes.get(head.seq)
    anchoredHashes.set(head.seq, seen === undefined || seen === head.hash ? head.hash : 'conflict')
    anchoredThrough = Math.max(anchoredThrough, head.seq)
  }
  const graceSeconds = deps.config.AUDIT_SEAL_GRACE_SECONDS
  const overdueAt = deps.clock().getTime() - graceSeconds * 1000

  let previous = GENESIS
  let expectedSeq = 1
  let entries = 0
  let sealedThrough = 0
  let unsealed = 0
  let firstUnsealed = 0
  let overdue = 0
  let firstOverdue: number | null = null
  let lastMatchedAnchor = 0
  let blankedBeforeAnchor = 0
  const hashes = new Map<number, string>()
  const seals = await db.selectFrom('audit_seals').selectAll().orderBy('seq').execute()
  const sealSeqs = new Set(seals.map((s) => s.seq))
  const bad = (first_bad_seq: number, problem: AuditProblem, more: { anchor_seq?: number } = {}): ChainReport => ({ ok: false, first_bad_seq, problem, entries, ...more, ...extra })
  for (let after = 0; ; ) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', after).orderBy('seq').limit(5000).execute()
    if (rows.length === 0) break
    for (const row of rows) {
      entries++
      if (row.seq !== expectedSeq) return bad(expectedSeq, 'missing')
      expectedSeq++
      // Every entry is chained, sealed or not: the anchor judges entries whose hashes were blanked.
      const recomputed = await chainHash(previous, row, deps.sha256Hex)
      previous = recomputed
      if (row.hash === null) {
        unsealed++
        firstUnsealed ||= row.seq
        if (Date.parse(row.at) <= overdueAt) {
          overdue++
          firstOverdue ??= row.seq
        }
      } else {
        // Sealing goes in order: a sealed entry after an unsealed one had its hash removed.
        if (firstUnsealed) return bad(firstUnsealed, 'hash_removed')
        if (recomputed !== row.hash) return bad(row.seq, 'hash_mismatch')
        sealedThrough = row.seq
        if (sealSeqs.has(row.seq)) hashes.set(row.seq, row.hash)
      }
      const anchored = anchoredHashes.get(row.seq)
      if (anchored !== undefined) {
        // The damage lies after the last head that still matched, up to this one.
        if (anchored !== recomputed) return bad(lastMatchedAnchor + 1, 'anchor_mismatch', { anchor_seq: row.seq })
        // Intact but no longer hashed: reported unless a rewrite further on is found first.
        if (firstUnsealed) blankedBeforeAnchor ||= firstUnsealed
        lastMatchedAnchor = row.seq
      }
    }
    after = rows[rows.length - 1].seq
  }
  // The anchor remembers entries the database no longer has: the newest ones were deleted.
  if (anchoredThrough >= expectedSeq) return bad(expectedSeq, 'truncated', { anchor_seq: anchoredThrough })
  if (blankedBeforeAnchor) return bad(blankedBeforeAnchor, 'hash_removed')
  const { resolveOwn } = await ownKeyResolver(deps)
  for (const seal of seals) {
    const key = await resolveOwn(seal.kid)
    let payload: { seq?: number; hash?: string } = {}
    try {
      if (!key) throw new Error('unknown key')
      payload = JSON.parse(new TextDecoder().decode((await compactVerify(seal.token, key, { algorithms: ['EdDSA'] })).payload))
    } catch {
      return bad(seal.seq, 'seal_signature')
    }
    // A seal past the end means entries after it were deleted; a different hash means rewritten.
    if (payload.seq !== seal.seq || payload.hash !== seal.hash || hashes.get(seal.seq) !== seal.hash) {
      return bad(Math.min(seal.seq, expectedSeq), 'seal_mismatch')
    }
  }
  // Every anchored head was sealed in the database before it was anchored.
  let unsealedHead = 0
  for (const seq of anchoredHashes.keys()) if (!sealSeqs.has(seq) && (!unsealedHead || seq < unsealedHead)) unsealedHead = seq
  if (unsealedHead) return bad(unsealedHead, 'seal_missing', { anchor_seq: unsealedHead })

  const last = seals.at(-1)
  const lastAnchored = anchor?.heads.reduce<SignedHead | null>((a, h) => (!a || h.seq > a.seq ? h : a), null)
  return {
    ok: true,
    entries,
    sealed_through: sealedThrough,
    unsealed,
    last_seal: last ? { seq: last.seq, at: last.at } : null,
    anchor: anchor && {
      name: anchor.name,
      heads: anchor.heads.length,
      skipped_lines: anchor.skipped,
      last: lastAnchored ? { seq: lastAnchored.seq, at: lastAnchored.at } : null,
    },
    unsealed_overdue: { count: overdue, first_seq: firstOverdue, grace_seconds: graceSeconds },
    ...extra,
  }
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
