import { importJWK, type JWK } from 'jose'
import type { Deps } from '../app-env.ts'
import { webCryptoCheck, type KeyResolver, type SignatureCheck } from './jws.ts'
import { loadSigningKeys } from './signing-keys.ts'
import { decodeStatusList, peekStatusListClaims, type DecodedStatusList } from './status-list.ts'

const TRUST_CACHE_MS = 30_000
/**
 * A held list's version is read again at most this often: a revocation fetched by the refresh
 * reaches scans within seconds (one primary-key read per issuer per interval; the list itself is
 * read and decoded only when its version changed).
 */
const LIST_CHECK_MS = 5_000

/** Another issuer's status list as this deployment holds it, and when it was last confirmed current. */
export interface HeldStatusList {
  list: DecodedStatusList
  fetchedAt: Date
}

export interface Verifier {
  resolveKey: KeyResolver
  /** How signatures are checked in this runtime. */
  check: SignatureCheck
  /**
   * Another issuer's revocations: the status list last fetched from it (trusted_issuers), or
   * undefined when none is held. Not checked again here: the refresh verified it with the
   * issuer's keys before storing it.
   */
  revocation(issuer: string): Promise<HeldStatusList | undefined>
  /** Forget cached trust-list keys and lists (after the list changes here). */
  invalidate(): void
}

/**
 * Public keys by issuer and kid: this deployment's own (from its signing keys) and each trusted
 * issuer's JWKS; and each trusted issuer's held status list. Both are cached briefly so a scan does
 * not read the table each time; other instances (Workers isolates) see a change within
 * TRUST_CACHE_MS (lists: LIST_CHECK_MS). A list is decoded (~90 ms for 10⁶ serials) only when the
 * held version changes: the re-read reads its version and `fetched_at`, not the list.
 */
export function createVerifier(deps: Deps): Verifier {
  const own = new Map<string, Promise<CryptoKey | Uint8Array>>()
  let trusted = new Map<
    string,
    { at: number; keys: Promise<Map<string, CryptoKey | Uint8Array>> }
  >()
  let held = new Map<string, { at: number; held: Promise<HeldStatusList | undefined> }>()
  const decoded = new Map<string, { version: string; list: DecodedStatusList | undefined }>()

  async function ownKey(kid: string) {
    const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
    const key = keys.byKid.get(kid)
    if (!key) return undefined
    let imported = own.get(kid)
    if (!imported) {
      imported = importJWK(key.publicJwk, 'EdDSA')
      own.set(kid, imported)
    }
    return imported
  }

  async function loadTrusted(issuer: string) {
    const row = await deps.store.db
      .selectFrom('trusted_issuers')
      .select('jwks')
      .where('issuer_code', '=', issuer)
      .executeTakeFirst()
    const keys = new Map<string, CryptoKey | Uint8Array>()
    if (!row) return keys
    for (const jwk of (JSON.parse(row.jwks) as { keys: JWK[] }).keys) {
      if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x && jwk.kid && !jwk.d) {
        keys.set(jwk.kid, await importJWK({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }, 'EdDSA'))
      }
    }
    return keys
  }

  /** Which list is held: it changes with every list the refresh accepts. */
  const versionOf = (row: { status_list_version: number | null; status_list_iat: number | null }) =>
    `${row.status_list_version ?? ''}/${row.status_list_iat ?? ''}`

  async function loadHeld(issuer: string): Promise<HeldStatusList | undefined> {
    const db = deps.store.db
    const row = await db
      .selectFrom('trusted_issuers')
      .select(['status_list_version', 'status_list_iat', 'fetched_at'])
      .where('issuer_code', '=', issuer)
      .where('status_list', 'is not', null)
      .executeTakeFirst()
    if (!row?.fetched_at) return undefined
    let entry = decoded.get(issuer)
    if (entry?.version !== versionOf(row)) {
      // The version read together with the list, so a list stored between the two reads is not
      // cached under the previous one's version.
      const listRow = await db
        .selectFrom('trusted_issuers')
        .select(['status_list', 'status_list_version', 'status_list_iat'])
        .where('issuer_code', '=', issuer)
        .executeTakeFirst()
      entry = { version: listRow ? versionOf(listRow) : '', list: decodeHeld(listRow?.status_list) }
      decoded.set(issuer, entry)
    }
    return entry.list && { list: entry.list, fetchedAt: new Date(row.fetched_at) }
  }

  return {
    check: deps.verifyEd25519 ?? webCryptoCheck,
    async resolveKey(issuer, kid) {
      if (issuer === deps.config.ISSUER_CODE) return ownKey(kid)
      const now = deps.clock().getTime()
      let entry = trusted.get(issuer)
      if (!entry || now - entry.at > TRUST_CACHE_MS || now < entry.at) {
        entry = { at: now, keys: loadTrusted(issuer) }
        trusted.set(issuer, entry)
      }
      return (await entry.keys).get(kid)
    },
    revocation(issuer) {
      const now = deps.clock().getTime()
      let entry = held.get(issuer)
      if (!entry || now - entry.at > LIST_CHECK_MS || now < entry.at) {
        const loading = loadHeld(issuer)
        const made = { at: now, held: loading }
        // A failed read is not kept for LIST_CHECK_MS: the next scan reads again.
        loading.catch(() => held.get(issuer) === made && held.delete(issuer))
        held.set(issuer, (entry = made))
      }
      return entry.held
    },
    // Decoded lists stay: they are keyed by version, so the next read decodes only a changed one.
    invalidate() {
      trusted = new Map()
      held = new Map()
    },
  }
}

/** The held JWT's list, decoded (one bit per serial, status-list.ts); one that does not decode counts as none held. */
function decodeHeld(jwt: string | null | undefined): DecodedStatusList | undefined {
  const list = jwt ? peekStatusListClaims(jwt)?.status_list : undefined
  if (!list) return undefined
  try {
    return decodeStatusList(list)
  } catch {
    return undefined
  }
}
