/**
 * The pass inside the QR code is a compact JWS (src/trust/jws.ts) whose payload is a short text,
 * not JSON, so the whole token fits a version-10 QR code at error-correction level M:
 *
 *   P1|<pass number>|<plate>|<valid from>|<valid until>|<origin region>|<destination>
 *
 * Times are whole minutes since the Unix epoch. The destination is a station code or a region
 * code. The issuer is the pass number's first six digits (its region code). No personal data.
 * Pure: the offline scan page bundles this module.
 */
export interface PassClaims {
  number: string
  plate: string
  validFrom: Date
  validUntil: Date
  origin: string
  destination: string
}

export const PASS_TOKEN_PREFIX = 'P1'
const MINUTE = 60_000

export function encodePassPayload(claims: PassClaims): string {
  const minutes = (d: Date) => Math.floor(d.getTime() / MINUTE)
  return [
    PASS_TOKEN_PREFIX,
    claims.number,
    claims.plate,
    minutes(claims.validFrom),
    minutes(claims.validUntil),
    claims.origin,
    claims.destination,
  ].join('|')
}

/** The claims of a pass payload, or null if it is not one. */
export function decodePassPayload(payload: string): PassClaims | null {
  const parts = payload.split('|')
  if (parts.length !== 7 || parts[0] !== PASS_TOKEN_PREFIX) return null
  const [, number, plate, from, until, origin, destination] = parts
  if (!/^\d{12}$/.test(number) || !/^\d{1,10}$/.test(from) || !/^\d{1,10}$/.test(until)) return null
  if (!plate || plate.length > 10 || !/^\d{6}$/.test(origin)) return null
  if (!destination || destination.length > 32) return null
  return {
    number,
    plate,
    validFrom: new Date(Number(from) * MINUTE),
    validUntil: new Date(Number(until) * MINUTE),
    origin,
    destination,
  }
}

export const issuerOf = (passNumber: string) => passNumber.slice(0, 6)
