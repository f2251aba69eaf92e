import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { firstRow, precompiled } from '../db/precompiled.ts'

// The audit chain's signed heads, kept outside the database too. Whoever can write the database
// can delete the newest entries with their seals, or blank every hash and seal and rewrite the
// entries; the copy outside it still remembers how far the chain went and what its head was.

/** A signed chain head, as sealed into `audit_seals` and appended to the anchor. */
export interface SignedHead {
  seq: number
  hash: string
  at: string
  kid: string
  /** Compact JWS (EdDSA) over `{typ: 'audit-seal', iss, seq, hash, at}`. */
  token: string
}

/**
 * Where signed heads are kept outside the database. Node appends them to a file beside it
 * (anchor-file.ts); Workers have none today (any append-only store could implement this).
 * It only ever grows, so it is read as a stream, never whole.
 */
export interface AuditAnchor {
  /** For messages: where the heads go. */
  readonly name: string
  /** Appends one head; resolves once it is durable. */
  append(head: SignedHead): Promise<void>
  /** The head appended last, or null when none was. */
  latest(): Promise<SignedHead | null>
  /** Every line kept, oldest first, one at a time: a head, or null for a line that is not one. */
  read(): AsyncIterable<SignedHead | null>
}

/** The anchor's text: one JSON head per line. */
export const headLine = (head: SignedHead) =>
  `${JSON.stringify({ seq: head.seq, hash: head.hash, at: head.at, kid: head.kid, token: head.token })}\n`

/**
 * One line of the anchor as a head, or null when it is not one: the last line may be torn by a
 * crash in the middle of an append, and that must not look like tampering.
 */
export function parseHead(line: string): SignedHead | null {
  try {
    const v = JSON.parse(line) as Record<string, unknown>
    const ok =
      Number.isSafeInteger(v.seq) &&
      (v.seq as number) > 0 &&
      typeof v.hash === 'string' &&
      /^[0-9a-f]{64}$/.test(v.hash) &&
      typeof v.at === 'string' &&
      typeof v.kid === 'string' &&
      typeof v.token === 'string'
    return ok
      ? {
          seq: v.seq as number,
          hash: v.hash as string,
          at: v.at as string,
          kid: v.kid as string,
          token: v.token as string,
        }
      : null
  } catch {
    return null
  }
}

/** A head as verify compares it: `hash` is 'conflict' when the anchor holds two for one seq. */
export interface AnchoredHead {
  seq: number
  hash: string
  at: string
}

/** What verify reports of the anchor it read. */
export interface AnchorTally {
  heads: number
  /** Lines that were not a head, and heads out of order (compared with nothing). */
  skipped: number
  last: AnchoredHead | null
}

/**
 * The anchor's heads in ascending seq, one at a time, tallied into `tally` as they pass, so a
 * chain walk can compare them in step with the entries while holding one. Heads are appended in
 * order; a repeat of the last seq is folded into it (two hashes for one seq match nothing), and a
 * head behind the last one (only a hand-edited file has one) is skipped.
 */
export async function* headsInOrder(
  lines: AsyncIterable<SignedHead | null>,
  tally: AnchorTally,
): AsyncGenerator<AnchoredHead> {
  let held: AnchoredHead | null = null
  for await (const line of lines) {
    if (!line || (held && line.seq < held.seq)) {
      tally.skipped++
      continue
    }
    tally.heads++
    if (held && line.seq === held.seq) {
      if (line.hash !== held.hash) held.hash = 'conflict'
      continue
    }
    if (held) yield held
    held = tally.last = { seq: line.seq, hash: line.hash, at: line.at }
  }
  if (held) yield held
}

/**
 * Has the anchor lost heads that the database's seals say it held? Heads go to the anchor at
 * least once per anchor interval, so the newest seal may be that much (plus the grace for a slow
 * or stopped sealer) ahead of the last head, no more. Without any head, only a database sealed
 * for the first time within that span is believed (a crash came before its first head was
 * anchored); one with older seals has lost its anchor, or was restored into a fresh directory.
 * A database without seals is new: there is nothing to lose yet.
 */
export function anchorLost(
  anchored: { at: string } | null,
  seals: { oldest: { at: string }; newest: { at: string } } | null,
  now: Date,
  allowedLagSeconds: number,
): boolean {
  if (!seals) return false
  const lag = anchored
    ? Date.parse(seals.newest.at) - Date.parse(anchored.at)
    : now.getTime() - Date.parse(seals.oldest.at)
  return lag > allowedLagSeconds * 1000
}

/** How far the newest seal may run ahead of the anchor before the anchor counts as lost. */
export const allowedAnchorLag = (config: {
  AUDIT_ANCHOR_INTERVAL_SECONDS: number
  AUDIT_SEAL_GRACE_SECONDS: number
}) => config.AUDIT_ANCHOR_INTERVAL_SECONDS + config.AUDIT_SEAL_GRACE_SECONDS

/** Is a head due in the anchor: none yet, the last one an interval old, or the clock set back. */
export function anchorDue(
  anchored: { at: string } | null,
  now: Date,
  intervalSeconds: number,
): boolean {
  if (!anchored) return true
  const age = now.getTime() - Date.parse(anchored.at)
  return age >= intervalSeconds * 1000 || age < 0
}

/**
 * Why the database can no longer show a head it once sealed. `truncated`: entries up to the head
 * are gone; `missing`: the head's entry was deleted; `anchor_mismatch`: the entry's hash differs
 * from the head's, or was blanked; `seal_missing`: the head's seal was deleted or changed;
 * `seal_mismatch`: the newest seal in the database no longer matches its own entry;
 * `anchor_missing`: the anchor outside the database lost the heads the seals say it held.
 */
export type HeadProblem =
  'truncated' | 'missing' | 'anchor_mismatch' | 'seal_missing' | 'seal_mismatch' | 'anchor_missing'

export interface HeadCheck {
  problem: HeadProblem
  first_bad_seq: number
  /** The seq of the head that no longer holds. */
  head_seq: number
}

// The sealer asks these every second: compiled once.
const entryAt = precompiled(['seq'], (db, a: { seq: number }) =>
  db.selectFrom('audit_log').select(['seq', 'hash']).where('seq', '=', a.seq),
)
const sealAt = precompiled(['seq'], (db, a: { seq: number }) =>
  db.selectFrom('audit_seals').select(['seq', 'hash']).where('seq', '=', a.seq),
)
const lastEntry = precompiled([], (db) =>
  db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1),
)
export const lastSeal = precompiled([], (db) =>
  db.selectFrom('audit_seals').selectAll().orderBy('seq', 'desc').limit(1),
)
const firstSeal = precompiled([], (db) =>
  db.selectFrom('audit_seals').select(['seq', 'at']).orderBy('seq').limit(1),
)

/**
 * Is `head` (a head sealed earlier: the anchor's last one, or the last one this process sealed)
 * still in the database: its entry with the same hash, and its seal? Three indexed reads.
 */
export async function checkHead(
  db: Kysely<Database>,
  head: { seq: number; hash: string },
): Promise<HeadCheck | null> {
  const entry = await firstRow(db, entryAt({ seq: head.seq }))
  if (!entry) {
    const last = (await firstRow(db, lastEntry({})))?.seq ?? 0
    return last < head.seq
      ? { problem: 'truncated', first_bad_seq: last + 1, head_seq: head.seq }
      : { problem: 'missing', first_bad_seq: head.seq, head_seq: head.seq }
  }
  if (entry.hash !== head.hash)
    return { problem: 'anchor_mismatch', first_bad_seq: head.seq, head_seq: head.seq }
  const seal = await firstRow(db, sealAt({ seq: head.seq }))
  if (!seal || seal.hash !== head.hash)
    return { problem: 'seal_missing', first_bad_seq: head.seq, head_seq: head.seq }
  return null
}

/** The newest seal must still match its entry; entries deleted after it, or rewritten, do not. */
export async function checkLastSeal(db: Kysely<Database>): Promise<HeadCheck | null> {
  const seal = await firstRow(db, lastSeal({}))
  if (!seal) return null
  const entry = await firstRow(db, entryAt({ seq: seal.seq }))
  if (entry?.hash === seal.hash) return null
  const last = (await firstRow(db, lastEntry({})))?.seq ?? 0
  return {
    problem: 'seal_mismatch',
    first_bad_seq: entry ? seal.seq : Math.min(seal.seq, last + 1),
    head_seq: seal.seq,
  }
}

/**
 * Does the anchor still hold what the database's seals say it held (see `anchorLost`)? Asked by
 * a sealer that has not yet seen this anchor hold; two indexed reads.
 */
export async function checkAnchorKept(
  db: Kysely<Database>,
  anchored: { seq: number; at: string } | null,
  now: Date,
  allowedLagSeconds: number,
): Promise<HeadCheck | null> {
  const newest = await firstRow(db, lastSeal({}))
  const oldest = newest ? await firstRow(db, firstSeal({})) : undefined
  if (!anchorLost(anchored, newest && oldest ? { oldest, newest } : null, now, allowedLagSeconds))
    return null
  return {
    problem: 'anchor_missing',
    first_bad_seq: (anchored?.seq ?? 0) + 1,
    head_seq: newest!.seq,
  }
}
