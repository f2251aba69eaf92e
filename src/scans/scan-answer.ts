import type { CheckpointKind } from '../checkpoints/checkpoints.table.ts'
import { issuerOf, type PassClaims } from '../passes/pass-payload.ts'
import type { ReceiptClaims, ReceiptStatus } from '../receipts/receipt-token.ts'
import type { ArrivalReportRow } from '../arrivals/arrivals.table.ts'
import { reportView } from '../arrivals/arrivals.repository.ts'
import type { LoopRow } from '../loops/loops.table.ts'
import type { Verdict } from './decide-verdict.ts'
import type { NamedRegion, PassPlaces } from './scans.repository.ts'
import { maskName } from '../privacy/personal-data.ts'
import { bookingTiming } from '../stations/slots.ts'
import type { LiveBooking } from '../stations/station-board.repository.ts'

/** The loop a scan names: the one it opened or joined, or the open one it met (only to involved staff). */
export interface LoopAnswer {
  id: string
  state: string
  alerting: boolean
}

/**
 * Where the revocation data behind a verdict came from: this issuer's database (`database`, age
 * 0), the status list last fetched from another issuer (`status_list`, whole seconds since it was
 * fetched or confirmed current), or none (`none`, age null): another issuer whose list is not held,
 * or a token that did not verify (no pass to look up).
 */
export interface TrustSource {
  source: 'database' | 'status_list' | 'none'
  ageSeconds: number | null
}

export interface ScanOutcome {
  id: string
  checkpoint: { code: string; kind: CheckpointKind }
  scannedAt: Date
  now: Date
  late: boolean
  decision: Verdict
  flags: readonly string[]
  /** The verified pass, if the token checked out. */
  claims?: PassClaims
  /** The pass as this issuer stored it: its status and firm. */
  passStatus?: string
  enterpriseId: string | null
  receipt?: { status: ReceiptStatus; claims?: ReceiptClaims }
  /** The matching pre-arrival report, and whether this scan marked it arrived. */
  report?: ArrivalReportRow
  reportArrived: boolean
  loop?: LoopAnswer
  manualLoop?: Pick<LoopRow, 'id' | 'entry_checkpoint_code'>
  /** The pass's places by name and its crew's names (masked here). */
  places?: PassPlaces
  /** Until when the negative result known to this scan holds. */
  negativeValidUntil?: Date
  trust: TrustSource
  /** At a station's checkpoint: the pass's live booking there (null: none); else undefined. */
  stationBooking?: LiveBooking | null
}

/** 浙江省苏州市昆山市; a municipality's city is not repeated (上海市浦东新区). */
const regionName = (r: NamedRegion) =>
  `${r.province_name}${r.city_name === r.province_name ? '' : r.city_name}${r.name}`

/**
 * What the officer checks and where the truck goes: origin by name with its risk level, the
 * destination by name, the crew's names masked for the identity check (王*国). Never a full name,
 * an ID number or a phone.
 */
function passDetails(claims: PassClaims, places: PassPlaces | undefined) {
  const origin = places?.origin
  const station = places?.destinationStation
  const region = places?.destinationRegion
  const destinationName = station
    ? station
    : region
      ? `${regionName(region)}${places?.destinationAddress ? ` ${places.destinationAddress}` : ''}`
      : undefined
  return {
    ...(origin
      ? { origin: { code: claims.origin, name: regionName(origin), risk_level: origin.risk_level } }
      : {}),
    ...(destinationName ? { destination_name: destinationName } : {}),
    ...(places?.crewNames.length
      ? { crew: places.crewNames.map((name) => ({ name_masked: maskName(name) })) }
      : {}),
  }
}

/**
 * The answer to a scan, from what was decided and planned. Pure: the same outcome always gives the
 * same answer, which is stored with the scan and replayed as it was to a retry.
 */
export function scanAnswer(o: ScanOutcome) {
  const { decision, claims, receipt, report } = o
  return {
    id: o.id,
    verdict: decision.verdict,
    pass_status: decision.passStatus,
    reasons: decision.reasons,
    action: decision.action,
    late: o.late,
    ...(o.flags.length ? { flags: [...o.flags] } : {}),
    ...(decision.warnings.length ? { warnings: decision.warnings } : {}),
    trust: { source: o.trust.source, age_seconds: o.trust.ageSeconds },
    ...(receipt
      ? {
          receipt: {
            status: receipt.status,
            ...(receipt.claims
              ? {
                  test: receipt.claims.test,
                  sampled_at: receipt.claims.sampledAt.toISOString(),
                  expires_at: receipt.claims.expiresAt.toISOString(),
                  issuer_code: receipt.claims.issuer,
                }
              : {}),
          },
        }
      : {}),
    ...(report
      ? {
          arrival_report: reportView(
            o.reportArrived
              ? {
                  ...report,
                  arrived_at: o.scannedAt.toISOString(),
                  arrived_loop_id: o.loop?.id ?? null,
                }
              : report,
            o.now,
          ),
        }
      : {}),
    checkpoint: { code: o.checkpoint.code, kind: o.checkpoint.kind },
    scanned_at: o.scannedAt.toISOString(),
    ...(claims
      ? {
          pass: {
            number: claims.number,
            plate: claims.plate,
            valid_from: claims.validFrom.toISOString(),
            valid_until: claims.validUntil.toISOString(),
            origin_region_code: claims.origin,
            destination_code: claims.destination,
            issuer_code: issuerOf(claims.number),
            ...(o.passStatus ? { status: o.passStatus } : {}),
            ...(o.enterpriseId ? { enterprise_id: o.enterpriseId } : {}),
            ...passDetails(claims, o.places),
          },
        }
      : {}),
    // A negative result under 48 h is known (a receipt, or one recorded in the loop): until when.
    ...(o.negativeValidUntil ? { test_valid_until: o.negativeValidUntil.toISOString() } : {}),
    ...(o.loop ? { loop: o.loop } : {}),
    // At a station: how the arrival stands against the pass's booking (information only).
    ...(o.stationBooking !== undefined
      ? { booking: bookingAnswer(o.stationBooking, o.scannedAt) }
      : {}),
    // Where the manual loop was opened, and its id, so staff can call that checkpoint; nothing else.
    ...(o.manualLoop && decision.warnings.includes('manual_loop_open')
      ? {
          manual_loop: { id: o.manualLoop.id, checkpoint_code: o.manualLoop.entry_checkpoint_code },
        }
      : {}),
  }
}

/** The scan's booking at a station: its slot and how the arrival stands (none: not booked). */
function bookingAnswer(booking: LiveBooking | null, scannedAt: Date) {
  return {
    id: booking?.id ?? null,
    starts_at: booking?.starts_at ?? null,
    ends_at: booking?.ends_at ?? null,
    timing: bookingTiming(booking, scannedAt),
  }
}
