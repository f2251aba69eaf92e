import type { Kysely } from 'kysely'
import type { Database } from '../db/database.ts'
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
 */
export interface AuditAnchor {
  /** For messages: where the heads go. */
  readonly name: string
  /** Appends one head; resolves once it is durable. */
  append(head: SignedHead): Promise<void>
  /** The head appended last, or null when none was. */
  latest(): Promise<SignedHead | null>
  /** Every head kept, oldest first, and how many unreadable lines were skipped. */
  all(): Promise<{ heads: SignedHead[]; skipped: number }>
}

/** The anchor's text: one JSON head per line. */
export const headLine = (head: SignedHead) =>
  `${JSON.stringify({ seq: head.seq, hash: head.hash, at: head.at, kid: head.kid, token: head.token })}\n`

/**
 * Reads heads from anchor text. A line that is not a head is skipped and counted: the last line
 * may be torn by a crash in the middle of an append, and that must not look like tampering.
 */
export function parseHeadLines(text: string): { heads: SignedHead[]; skipped: number } {
  const heads: SignedHead[] = []
  let skipped = 0
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const head = parseHead(line)
    if (head) heads.push(head)
    else skipped++
  }
  return { heads, skipped }
}

function parseHead(line: string): SignedHead | null {
  try {
    const v = JSON.parse(line) as Record<string, unknown>
    const ok =
      Number.isSafeInteger(v.seq) && (v.seq as number) > 0 && typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash) &&
      typeof v.at === 'string' && typeof v.kid === 'string' && typeof v.token === 'string'
    return ok ? { seq: v.seq as number, hash: v.hash as string, at: v.at as string, kid: v.kid as string, token: v.token as string } : null
  } catch {
    return null
  }
}

/**
 * Why the database can no longer show a head it once sealed. `truncated`: entries up to the head
 * are gone; `missing`: the head's entry was deleted; `anchor_mismatch`: the entry's hash differs
 * from the head's, or was blanked; `seal_missing`: the head's seal was deleted or changed;
 * `seal_mismatch`: the newest seal in the database no longer matches its own entry.
 */
export type HeadProblem = 'truncated' | 'missing' | 'anchor_mismatch' | 'seal_missing' | 'seal_mismatch'

export interface HeadCheck {
  problem: HeadProblem
  first_bad_seq: number
  /** The seq of the head that no longer holds. */
  head_seq: number
}

// The sealer asks these every second: compiled once.
const entryAt = precompiled(['seq'], (db, a: { seq: number }) => db.selectFrom('audit_log').select(['seq', 'hash']).where('seq', '=', a.seq))
const sealAt = precompiled(['seq'], (db, a: { seq: number }) => db.selectFrom('audit_seals').select(['seq', 'hash']).where('seq', '=', a.seq))
const lastEntry = precompiled([], (db) => db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1))
export const lastSeal = precompiled([], (db) => db.selectFrom('audit_seals').selectAll().orderBy('seq', 'desc').limit(1))

/**
 * Is `head` (a head sealed earlier: the anchor's last one, or the last one this process sealed)
 * still in the database: its entry with the same hash, and its seal? Three indexed reads.
 */
export async function checkHead(db: Kysely<Database>, head: { seq: number; hash: string }): Promise<HeadCheck | null> {
  const entry = await firstRow(db, entryAt({ seq: head.seq }))
  if (!entry) {
    const last = (await firstRow(db, lastEntry({})))?.seq ?? 0
    return last < head.seq
      ? { problem: 'truncated', first_bad_seq: last + 1, head_seq: head.seq }
      : { problem: 'missing', first_bad_seq: head.seq, head_seq: head.seq }
  }
  if (entry.hash !== head.hash) return { problem: 'anchor_mismatch', first_bad_seq: head.seq, head_seq: head.seq }
  const seal = await firstRow(db, sealAt({ seq: head.seq }))
  if (!seal || seal.hash !== head.hash) return { problem: 'seal_missing', first_bad_seq: head.seq, head_seq: head.seq }
  return null
}

/** The newest seal must still match its entry; entries deleted after it, or rewritten, do not. */
export async function checkLastSeal(db: Kysely<Database>): Promise<HeadCheck | null> {
  const seal = await firstRow(db, lastSeal({}))
  if (!seal) return null
  const entry = await firstRow(db, entryAt({ seq: seal.seq }))
  if (entry?.hash === seal.hash) return null
  const last = (await firstRow(db, lastEntry({})))?.seq ?? 0
  return { problem: 'seal_mismatch', first_bad_seq: entry ? seal.seq : Math.min(seal.seq, last + 1), head_seq: seal.seq }
}
