// Verifying a pass in the browser when the network is gone: the same checks the server makes on
// the token itself (signature with the stored JWKS or a trusted issuer's keys, validity window
// with a 5-minute skew, the signed revocation list), not those that need the database
// (whitelist state, open loops).

export interface TrustMaterial {
  issuer: string
  jwks: { keys: { kid: string; x: string }[] }
  issuers: { issuer_code: string; jwks: { keys: { kid: string; x: string }[] } }[]
  revocations: { version: number; revoked: string[]; superseded: string[]; generated_at: string }
}

export interface OfflineVerdict {
  verdict: 'valid' | 'invalid'
  reasons: string[]
  action: string
  pass?: { number: string; plate: string; valid_from: string; valid_until: string; destination_code: string }
}

const SKEW_MS = 5 * 60_000
const b64 = (s: string) => Uint8Array.from(atob(s.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0))

export async function verifyOffline(token: string, trust: TrustMaterial, observedPlate: string | null, now = new Date()): Promise<OfflineVerdict> {
  const invalid = (reasons: string[], pass?: OfflineVerdict['pass']): OfflineVerdict => ({ verdict: 'invalid', reasons, action: 'control_on_site', pass })
  const parts = token.split('.')
  if (parts.length !== 3) return invalid(['malformed'])
  let header: { alg?: string; kid?: string }
  let payload: string
  try {
    header = JSON.parse(new TextDecoder().decode(b64(parts[0])))
    payload = new TextDecoder().decode(b64(parts[1]))
  } catch {
    return invalid(['malformed'])
  }
  const fields = payload.split('|')
  if (fields.length !== 7 || fields[0] !== 'P1' || !/^\d{12}$/.test(fields[1])) return invalid(['malformed'])
  const [, number, plate, from, until, , destination] = fields
  const pass = {
    number,
    plate,
    valid_from: new Date(Number(from) * 60_000).toISOString(),
    valid_until: new Date(Number(until) * 60_000).toISOString(),
    destination_code: destination,
  }
  if (header.alg !== 'EdDSA') return invalid(['bad_signature'], pass)
  const issuer = number.slice(0, 6)
  const keys = issuer === trust.issuer ? trust.jwks.keys : trust.issuers.find((i) => i.issuer_code === issuer)?.jwks.keys ?? []
  const jwk = keys.find((k) => k.kid === header.kid)
  if (!jwk) return invalid(['unknown_key'], pass)
  const key = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify'])
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, b64(parts[2]), new TextEncoder().encode(`${parts[0]}.${parts[1]}`))
  if (!ok) return invalid(['bad_signature'], pass)
  const reasons: string[] = []
  if (now.getTime() < Date.parse(pass.valid_from) - SKEW_MS) reasons.push('not_yet_valid')
  if (now.getTime() > Date.parse(pass.valid_until) + SKEW_MS) reasons.push('expired')
  if (issuer === trust.issuer && trust.revocations.revoked.includes(number)) reasons.push('revoked')
  if (issuer === trust.issuer && trust.revocations.superseded.includes(number)) reasons.push('superseded')
  const seen = observedPlate?.toUpperCase().replace(/[\s·.\-]/g, '')
  if (seen && seen !== plate) reasons.push('plate_mismatch')
  if (reasons.length) return invalid(reasons, pass)
  return { verdict: 'valid', reasons: [], action: 'sample_then_release', pass }
}
