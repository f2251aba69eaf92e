import { compactVerify, importJWK } from 'jose'
import { sql, type Selectable } from 'kysely'
import { firstRow, precompiled, rows as allRows } from '../db/precompiled.ts'
import type { Store } from '../db/store.ts'
import type { Deps } from '../app-env.ts'
import type { AuditLogRow, AuditSealsTable } from '../audit-log/audit.table.ts'
import {
  allowedAnchorLag,
  anchorDue,
  anchorLost,
  checkAnchorKept,
  checkHead,
  checkLastSeal,
  headsInOrder,
  lastSeal,
  type AnchoredHead,
  type AnchorTally,
  type HeadCheck,
  type SignedHead,
} from './anchor.ts'
import { signCompact } from '../trust/jws.ts'
import { loadSigningKeys } from '../trust/signing-keys.ts'

// The audit log is a hash chain: each entry's hash covers the previous hash and the entry's own
// fields, so editing, deleting or reordering any sealed entry breaks every hash after it. The head
// is signed with the service key now and then, so rewriting the whole chain needs that key too.
// A signed head also goes to an anchor outside the database (anchor.ts) at least once per anchor
// interval, which remembers how far the chain went when the database no longer does.

export const GENESIS = '0'.repeat(64)
const encoder = new TextEncoder()

type ChainFields = Pick<
  AuditLogRow,
  'seq' | 'at' | 'actor' | 'action' | 'subject' | 'before' | 'after'
>

/** SHA-256 of a text, as hex, computed at once (Node gives `node:crypto`'s; see Deps.sha256Hex). */
export type Sha256Hex = (text: string) => string

export async function chainHash(
  previous: string,
  entry: ChainFields,
  sha256Hex?: Sha256Hex,
): Promise<string> {
  const canonical = JSON.stringify([
    previous,
    entry.seq,
    entry.at,
    entry.actor,
    entry.action,
    entry.subject,
    entry.before,
    entry.after,
  ])
  // WebCrypto, the portable way, hands every digest to another thread and back: fine for a few,
  // slow for the thousands a busy minute writes. A runtime with a synchronous hash passes it in.
  if (sha256Hex) return sha256Hex(canonical)
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(canonical))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

const BATCH = 1000

// Sealing runs every second under load: its reads are compiled once too.
const lastSealed = precompiled([], (db) =>
  db
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .where('hash', 'is not', null)
    .orderBy('seq', 'desc')
    .limit(1),
)
const entriesAfter = precompiled(['after'], (db, a: { after: number }) =>
  db.selectFrom('audit_log').selectAll().where('seq', '>', a.after).orderBy('seq').limit(BATCH),
)

// One statement seals a whole batch: the hashes travel as one JSON list of [seq, hash].
const setHashes = precompiled(['pairs'], (db, a: { pairs: string }) =>
  sql`UPDATE audit_log SET hash = json_extract(sealed.value, '$[1]')
      FROM json_each(${a.pairs}) AS sealed
      WHERE audit_log.seq = json_extract(sealed.value, '$[0]') AND audit_log.hash IS NULL`.compile(
    db,
  ),
)

/** Why sealing stopped, and since when; null while it runs. */
export type SealingStopped = HeadCheck & { since: string }

interface Sealer {
  /** The run waiting for the current one to finish, shared by everyone who asks meanwhile. */
  queued: Promise<number> | null
  tail: Promise<unknown>
  /** The newest head this process saw sealed: an anchor in memory, where there is no other. */
  lastHead: { seq: number; hash: string } | null
  /** Whether this process has seen the anchor hold what the seals say it held. */
  anchorTrusted: boolean
  /** The newest head this process saw in the anchor, or appended: it must not disappear. */
  anchorSeen: number
  /** The next run anchors its head at once, whatever the interval (at shutdown). */
  anchorNow: boolean
  stopped: SealingStopped | null
}

// Per database, not per Deps object: callers may build a fresh Deps around the same store.
const sealers = new WeakMap<Store, Sealer>()

function sealerFor(store: Store): Sealer {
  let sealer = sealers.get(store)
  if (!sealer) {
    sealer = {
      queued: null,
      tail: Promise.resolve(),
      lastHead: null,
      anchorTrusted: false,
      anchorSeen: 0,
      anchorNow: false,
      stopped: null,
    }
    sealers.set(store, sealer)
  }
  return sealer
}

/** Why this process refuses to seal, or null. */
export const sealingStopped = (store: Store) => sealers.get(store)?.stopped ?? null

/**
 * Hashes the entries written since the last seal, in order, and signs the new head into
 * `audit_seals`; appends the newest seal to the anchor when the last one there is
 * AUDIT_ANCHOR_INTERVAL_SECONDS old (or `anchorNow`, at shutdown). Every seal is still checked:
 * one line a second would grow the anchor by 40 MB a day. One run at a time per database (the
 * timer can fire while a slow run goes on), so heads reach the anchor in order. Returns the
 * number sealed.
 *
 * Before anything, the last head sealed (the anchor's, or this process's own) must still be in
 * the database, the newest seal must match its entry, and the anchor must still hold the heads it
 * held. If not, entries, seals or the anchor were deleted or rewritten: sealing stops, with one
 * error line, rather than sign the damaged chain as if it were whole. It resumes by itself if the
 * check passes again (the damage undone, or a restore accepted with `audit:verify`).
 */
export function sealAudit(deps: Deps, options: { anchorNow?: boolean } = {}): Promise<number> {
  const sealer = sealerFor(deps.store)
  // A run still waiting to start takes this request with it.
  if (options.anchorNow) sealer.anchorNow = true
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
  const anchorNow = sealer.anchorNow
  sealer.anchorNow = false
  const db = deps.store.db
  const anchored = deps.auditAnchor ? await deps.auditAnchor.latest() : null
  const known =
    anchored && (!sealer.lastHead || anchored.seq >= sealer.lastHead.seq)
      ? anchored
      : sealer.lastHead
  const problem =
    (known ? await checkHead(db, known) : null) ??
    (await checkLastSeal(db)) ??
    (deps.auditAnchor ? await checkAnchor(deps, sealer, anchored) : null)
  if (problem) {
    stopSealing(deps, sealer, problem)
    return 0
  }
  if (sealer.stopped) {
    console.log(
      JSON.stringify({
        level: 'info',
        job: 'audit-seal',
        message: 'audit sealing resumed: the chain matches its last sealed head again',
      }),
    )
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
  // a seal the anchor lacks, which a later run appends; never an anchored head the database
  // lacks, which would look like truncation.
  const due =
    anchorNow || anchorDue(anchored, deps.clock(), deps.config.AUDIT_ANCHOR_INTERVAL_SECONDS)
  if (deps.auditAnchor && seal.seq > (anchored?.seq ?? 0) && due) {
    await deps.auditAnchor.append(seal)
    sealer.anchorSeen = seal.seq
  }
  return sealed
}

/**
 * Has the anchor lost heads? Once this process has seen it hold, a head it saw there must stay
 * (an anchor behind only because appends failed is not lost: they are retried). Before that, the
 * database's seals say how far the anchor should reach (`anchorLost`).
 */
async function checkAnchor(
  deps: Deps,
  sealer: Sealer,
  anchored: SignedHead | null,
): Promise<HeadCheck | null> {
  const anchoredSeq = anchored?.seq ?? 0
  if (sealer.anchorTrusted && anchoredSeq < sealer.anchorSeen) {
    return {
      problem: 'anchor_missing',
      first_bad_seq: anchoredSeq + 1,
      head_seq: sealer.anchorSeen,
    }
  }
  if (!sealer.anchorTrusted) {
    const problem = await checkAnchorKept(
      deps.store.db,
      anchored,
      deps.clock(),
      allowedAnchorLag(deps.config),
    )
    if (problem) return problem
    sealer.anchorTrusted = true
  }
  sealer.anchorSeen = Math.max(sealer.anchorSeen, anchoredSeq)
  return null
}

function stopSealing(deps: Deps, sealer: Sealer, problem: HeadCheck) {
  const same =
    sealer.stopped?.problem === problem.problem && sealer.stopped.head_seq === problem.head_seq
  if (same) return
  sealer.stopped = { ...problem, since: deps.clock().toISOString() }
  // One line per new finding, not one per second.
  console.error(
    JSON.stringify({
      level: 'error',
      job: 'audit-seal',
      message:
        problem.problem === 'anchor_missing'
          ? 'refusing to seal the audit log: the anchor outside the database lost heads the seals say it held (deleted or replaced, or a backup restored into a fresh directory); after a restore run `npm run audit:verify -- --accept-restore`'
          : 'refusing to seal the audit log: a head sealed earlier is no longer in the database (entries or seals deleted or rewritten)',
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
  const token = await signCompact(
    JSON.stringify({
      typ: 'audit-seal',
      iss: deps.config.ISSUER_CODE,
      seq: head.seq,
      hash: head.hash,
      at,
    }),
    keys.current,
  )
  // Through `atomic`: answered only once committed, as the anchor's write order needs.
  await deps.store.atomic([
    db
      .insertInto('audit_seals')
      .values({ seq: head.seq, hash: head.hash, at, kid: keys.current.kid, token })
      .onConflict((oc) => oc.column('seq').doNothing()),
  ])
  return (await firstRow(db, lastSeal({}))) ?? null
}

/**
 * The newest signed head, for other issuers to record: the database's newest seal, or the
 * anchor's head when it is as new (it outlives the database: after a truncation it is newer);
 * null before the first seal.
 */
export async function latestSignedHead(
  deps: Deps,
): Promise<{ head: SignedHead; anchored: boolean } | null> {
  const anchored = deps.auditAnchor ? await deps.auditAnchor.latest() : null
  const seal = await firstRow(deps.store.db, lastSeal({}))
  if (anchored && (!seal || anchored.seq >= seal.seq)) return { head: anchored, anchored: true }
  return seal ? { head: seal, anchored: false } : null
}

interface AnchorSummary {
  name: string
  heads: number
  /** Lines that were not a head (a torn last line after a crash, or damage), or heads out of order. */
  skipped_lines: number
  last: { seq: number; at: string } | null
}

type Verdict = {
  /**
   * False where the runtime keeps no anchor outside the database (Workers today): deleting the
   * newest entries together with their seals then leaves a shorter chain that verifies.
   */
  truncation_detectable: boolean
  sealing_stopped?: SealingStopped
}

export type ChainReport =
  | ({
      ok: true
      entries: number
      sealed_through: number
      unsealed: number
      last_seal: { seq: number; at: string } | null
      /** The heads found in the anchor; null without one. */
      anchor: AnchorSummary | null
      /** Unsealed entries older than AUDIT_SEAL_GRACE_SECONDS: the sealer is not running or refuses. */
      unsealed_overdue: { count: number; first_seq: number | null; grace_seconds: number }
    } & Verdict)
  | ({
      ok: false
      first_bad_seq: number
      problem: AuditProblem
      entries: number
      /** For anchor problems: the anchored head that no longer matches (the damage lies before it). */
      anchor_seq?: number
    } & Verdict)

/**
 * `hash_mismatch`: the entry was edited, or entries were swapped; `missing`: an entry was deleted;
 * `hash_removed`: a sealed entry's hash was blanked; `seal_mismatch`: a signed head no longer
 * matches (entries after it deleted, or the chain rewritten); `seal_signature`: a seal is forged;
 * `truncated`: the anchor holds a head beyond the last entry (the newest entries deleted with
 * their seals); `anchor_mismatch`: the chain recomputed from the entries differs from an anchored
 * head (entries rewritten, whatever was done to the hashes and seals); `seal_missing`: an
 * anchored head's seal was deleted from the database; `anchor_missing`: the anchor lost heads
 * the seals say it held (deleted or replaced by an older copy, or a backup restored into a fresh
 * directory: `npm run audit:verify -- --accept-restore`), so it can vouch for nothing after
 * `first_bad_seq`.
 */
export type AuditProblem =
  | 'hash_mismatch'
  | 'missing'
  | 'hash_removed'
  | 'seal_mismatch'
  | 'seal_signature'
  | 'truncated'
  | 'anchor_mismatch'
  | 'seal_missing'
  | 'anchor_missing'

type AuditSeal = Selectable<AuditSealsTable>

/**
 * Recomputes the chain from the first entry and reports the first entry that was edited, deleted
 * or moved; compares it with the heads kept in the anchor (outside the database), then checks the
 * signed seals against it. Unsealed entries (written since the last seal) cannot be judged by
 * their own hashes yet; those older than the grace period are reported.
 *
 * Entries, seals and anchored heads are all in seq order, so they are read side by side, a page
 * (or a line) at a time: the anchor and the seals grow for as long as the service runs.
 */
export async function verifyAudit(deps: Deps): Promise<ChainReport> {
  const stopped = sealingStopped(deps.store)
  const verdict: Verdict = {
    truncation_detectable: deps.auditAnchor !== undefined,
    ...(stopped ? { sealing_stopped: stopped } : {}),
  }
  const tally: AnchorTally = { heads: 0, skipped: 0, last: null }
  const anchored = headsInOrder(deps.auditAnchor?.read() ?? noLines(), tally)
  try {
    return await walkChain(deps, anchored, tally, verdict)
  } finally {
    await anchored.return(undefined) // closes the anchor file when the walk stopped early
  }
}

async function walkChain(
  deps: Deps,
  anchoredHeads: AsyncIterator<AnchoredHead>,
  tally: AnchorTally,
  verdict: Verdict,
): Promise<ChainReport> {
  const db = deps.store.db
  const graceSeconds = deps.config.AUDIT_SEAL_GRACE_SECONDS
  const overdueAt = deps.clock().getTime() - graceSeconds * 1000
  const checkSeal = await sealChecker(deps)
  const entryPages = inPages((after) =>
    db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(5000)
      .execute(),
  )
  const seals = lookahead(
    inPages((after) =>
      db
        .selectFrom('audit_seals')
        .selectAll()
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(1000)
        .execute(),
    ),
  )
  const heads = lookahead(anchoredHeads)

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
  let anchoredWithoutSeal = 0
  // Seal problems are reported after the chain's own, which say more about where the damage is.
  let sealProblem: SealProblem | null = null
  let oldestSeal: AuditSeal | null = null
  let newestSeal: AuditSeal | null = null
  const bad = (
    first_bad_seq: number,
    problem: AuditProblem,
    more: { anchor_seq?: number } = {},
  ): ChainReport => ({ ok: false, first_bad_seq, problem, entries, ...more, ...verdict })

  for await (const row of entryPages) {
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
    }
    let sealed = false
    for (let seal = await seals.peek(); seal && seal.seq <= row.seq; seal = await seals.peek()) {
      seals.take()
      oldestSeal ??= seal
      newestSeal = seal
      sealed ||= seal.seq === row.seq
      sealProblem ??= await checkSeal(seal, seal.seq === row.seq ? row.hash : null, seal.seq)
    }
    const head = await heads.peek()
    if (head?.seq === row.seq) {
      heads.take()
      // The damage lies after the last head that still matched, up to this one.
      if (head.hash !== recomputed)
        return bad(lastMatchedAnchor + 1, 'anchor_mismatch', { anchor_seq: row.seq })
      // Intact but no longer hashed: reported unless a rewrite further on is found first.
      if (firstUnsealed) blankedBeforeAnchor ||= firstUnsealed
      lastMatchedAnchor = row.seq
      // Every anchored head was sealed in the database before it was anchored.
      if (!sealed) anchoredWithoutSeal ||= row.seq
    }
  }
  // The anchor remembers entries the database no longer has: the newest ones were deleted.
  if (await heads.peek()) {
    while (await heads.peek()) heads.take() // to its last head
    return bad(expectedSeq, 'truncated', { anchor_seq: tally.last!.seq })
  }
  if (blankedBeforeAnchor) return bad(blankedBeforeAnchor, 'hash_removed')
  // A seal past the last entry: the entries after it were deleted.
  const beyond = await seals.peek()
  if (beyond) sealProblem ??= await checkSeal(beyond, null, Math.min(beyond.seq, expectedSeq))
  if (sealProblem) return bad(sealProblem.seq, sealProblem.problem)
  if (anchoredWithoutSeal)
    return bad(anchoredWithoutSeal, 'seal_missing', { anchor_seq: anchoredWithoutSeal })
  const sealSpan = oldestSeal && newestSeal ? { oldest: oldestSeal, newest: newestSeal } : null
  if (
    deps.auditAnchor &&
    anchorLost(tally.last, sealSpan, deps.clock(), allowedAnchorLag(deps.config))
  ) {
    return bad(
      (tally.last?.seq ?? 0) + 1,
      'anchor_missing',
      tally.last ? { anchor_seq: tally.last.seq } : {},
    )
  }

  return {
    ok: true,
    entries,
    sealed_through: sealedThrough,
    unsealed,
    last_seal: newestSeal ? { seq: newestSeal.seq, at: newestSeal.at } : null,
    anchor: deps.auditAnchor
      ? {
          name: deps.auditAnchor.name,
          heads: tally.heads,
          skipped_lines: tally.skipped,
          last: tally.last && { seq: tally.last.seq, at: tally.last.at },
        }
      : null,
    unsealed_overdue: { count: overdue, first_seq: firstOverdue, grace_seconds: graceSeconds },
    ...verdict,
  }
}

type SealProblem = { seq: number; problem: 'seal_signature' | 'seal_mismatch' }

/**
 * Checks a seal: signed by one of our keys, over its own seq and hash, and that hash the sealed
 * entry's (`entryHash`: null when the entry is unsealed or gone). Each key is imported once.
 */
async function sealChecker(deps: Deps) {
  const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
  const imported = new Map<string, ReturnType<typeof importJWK> | undefined>()
  const keyFor = (kid: string) => {
    if (!imported.has(kid)) {
      const key = keys.byKid.get(kid)
      imported.set(kid, key && importJWK(key.publicJwk, 'EdDSA'))
    }
    return imported.get(kid)
  }
  return async (
    seal: AuditSeal,
    entryHash: string | null,
    firstBadSeq: number,
  ): Promise<SealProblem | null> => {
    let payload: { seq?: number; hash?: string } = {}
    try {
      const key = await keyFor(seal.kid)
      if (!key) throw new Error('unknown key')
      payload = JSON.parse(
        new TextDecoder().decode(
          (await compactVerify(seal.token, key, { algorithms: ['EdDSA'] })).payload,
        ),
      )
    } catch {
      return { seq: seal.seq, problem: 'seal_signature' }
    }
    // A seal past the end means entries after it were deleted; a different hash means rewritten.
    if (payload.seq !== seal.seq || payload.hash !== seal.hash || entryHash !== seal.hash)
      return { seq: firstBadSeq, problem: 'seal_mismatch' }
    return null
  }
}

/** Rows of a table in seq order, read a page at a time. */
async function* inPages<T extends { seq: number }>(
  page: (after: number) => Promise<T[]>,
): AsyncGenerator<T> {
  for (let after = 0; ;) {
    const rows = await page(after)
    if (rows.length === 0) return
    yield* rows
    after = rows[rows.length - 1].seq
  }
}

/** The next item of a sequence, looked at before it is taken: for walking two in step. */
function lookahead<T>(items: AsyncIterator<T>) {
  let next: T | null | undefined
  return {
    async peek(): Promise<T | null> {
      if (next === undefined) {
        const item = await items.next()
        next = item.done ? null : item.value
      }
      return next
    },
    take() {
      next = undefined
    },
  }
}

async function* noLines(): AsyncGenerator<SignedHead | null> {}

/**
 * After a restore is accepted (`npm run audit:verify -- --accept-restore`, the old anchor moved
 * aside): the anchor starts again at the database's newest seal, which the operator vouches for.
 * Returns that head, or null before the first seal (the first seal then starts it).
 */
export async function restartAnchor(deps: Deps): Promise<SignedHead | null> {
  const seal = await firstRow(deps.store.db, lastSeal({}))
  if (!seal || !deps.auditAnchor) return null
  await deps.auditAnchor.append(seal)
  return seal
}
