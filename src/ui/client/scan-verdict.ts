import { el, i18n, word } from './common.ts'
import { fill, placeName, time, withRisk, places } from './scan-text.ts'
import type { TrustBasis } from './verify-offline.ts'

// The verdict as the officer reads it: the pass itself first (`pass_status`), apart from the entry
// decision (`verdict`) — a valid pass meeting an open loop reads "通行证有效 · 该车已有未闭环记录，
// 请核查", never "通行证无效" — then what to do, why, and what to check and where to send the truck.

/** The scan answer as the page uses it (the server's, or the offline check's in its shape). */
export interface ScanView {
  verdict: 'valid' | 'invalid'
  pass_status: 'valid' | 'invalid'
  reasons: string[]
  action: string
  flags?: string[]
  warnings?: string[]
  test_valid_until?: string
  pass?: {
    number: string
    plate: string
    origin_region_code?: string
    destination_code: string
    origin?: { code: string; name?: string; risk_level?: string }
    destination_name?: string
    crew?: { name_masked: string }[]
  }
  receipt?: { status: string }
  /** At a transfer station: the pass's booking there and how the arrival stands against it. */
  booking?: {
    starts_at: string | null
    ends_at: string | null
    timing: 'on_time' | 'early' | 'late' | 'none'
  }
}

const t = i18n.t

/** `offline`: the trust data an offline verdict stands on (its age is always shown). */
export function verdictView(answer: ScanView, offline: { trust: TrustBasis } | null) {
  const passValid = answer.pass_status === 'valid'
  const entryOk = answer.verdict === 'valid'
  // A valid pass on stale data is not shown green: a revocation may be missing.
  const stale = offline?.trust.freshness === 'stale'
  const tone = passValid ? (entryOk && !stale ? 'valid' : 'warn') : 'invalid'
  const headline = passValid
    ? entryOk
      ? `✔ ${t.cpPassValid}`
      : `⚠ ${t.cpPassValid} · ${answer.reasons.includes('loop_open') ? t.cpLoopOpenCheck : answer.reasons.map(word).join('、')}`
    : `✖ ${t.cpPassInvalid}`
  // loop_open is said in the headline; the rest are listed.
  const reasons = [
    ...answer.reasons.filter((r) => !(passValid && r === 'loop_open')),
    ...(answer.flags ?? []),
    ...(answer.warnings ?? []),
  ]
  return el(
    'div',
    {
      class: `verdict ${tone}`,
      'data-verdict': answer.verdict,
      'data-pass-status': answer.pass_status,
      role: 'status',
    },
    el('p', { class: 'headline' }, headline),
    el('p', { class: 'action', 'data-action': answer.action }, word(answer.action)),
    ...(reasons.length
      ? [
          el(
            'ul',
            { 'data-reasons': reasons.join(' ') },
            ...reasons.map((r) => el('li', {}, word(r))),
          ),
        ]
      : []),
    ...(answer.pass ? [passDetails(answer, offline !== null)] : []),
    ...(answer.receipt && answer.receipt.status !== 'valid'
      ? [el('p', {}, word(answer.receipt.status))]
      : []),
    ...(offline ? [trustAgeLine(offline.trust)] : []),
  )
}

/** "吊销名单 3 分钟前更新", marked and announced once the data is past the warning age. */
export function trustAgeLine(trust: TrustBasis) {
  const text = trust.listMissing
    ? t.cpListMissing
    : fill(trust.hasList ? t.cpListUpdated : t.cpKeysNoList, { ago: ago(trust.ageSeconds) })
  const fresh = trust.freshness === 'fresh'
  return el(
    'p',
    {
      class: trust.freshness === 'stale' ? 'errors' : 'notice',
      'data-offline': '',
      'data-trust-freshness': trust.freshness,
      'data-trust-age': String(trust.ageSeconds),
      ...(fresh ? {} : { role: 'alert' }),
    },
    fresh ? text : `⚠ ${text}`,
  )
}

/** How long ago, in minutes under an hour, hours under two days, days after. */
export function ago(seconds: number): string {
  const minutes = Math.floor(seconds / 60)
  const hours = Math.floor(seconds / 3600)
  const days = Math.floor(seconds / 86_400)
  if (minutes < 1) return t.cpAgoNow
  if (minutes < 60) return minutes === 1 ? t.cpAgoMinute : fill(t.cpAgoMinutes, { n: minutes })
  if (hours < 48) return hours === 1 ? t.cpAgoHour : fill(t.cpAgoHours, { n: hours })
  return days === 1 ? t.cpAgoDay : fill(t.cpAgoDays, { n: days })
}

/** What to check and where the truck goes. Offline: names from the page, no crew (not stored). */
function passDetails(answer: ScanView, offline: boolean) {
  const pass = answer.pass!
  const originCode = pass.origin?.code ?? pass.origin_region_code ?? ''
  const listed = places.regions[originCode]
  const origin = pass.origin?.name
    ? withRisk(pass.origin.name, pass.origin.risk_level)
    : listed
      ? withRisk(listed.name, listed.risk_level)
      : originCode
        ? `${originCode}${t.cpOriginUnknown}`
        : ''
  const destination = pass.destination_name ?? placeName(pass.destination_code)
  const test = answer.test_valid_until
    ? fill(t.cpTestValidUntil, { t: time(answer.test_valid_until) })
    : answer.action === 'sample_then_release'
      ? t.cpNeedSample
      : ''
  const rows: [string, string, string][] = [
    [t.plate, fill(t.cpPlateNumber, { plate: pass.plate, number: pass.number }), 'plate'],
    ...(origin ? [[t.cpFrom, origin, 'origin'] as [string, string, string]] : []),
    ...(destination ? [[t.cpTo, destination, 'destination'] as [string, string, string]] : []),
    ...(pass.crew?.length
      ? [
          [
            t.cpCrew,
            pass.crew.map((m) => m.name_masked).join(i18n.lang === 'zh' ? '、' : ', '),
            'crew',
          ] as [string, string, string],
        ]
      : []),
    ...(test ? [[t.cpTest, test, 'test'] as [string, string, string]] : []),
    ...(answer.booking
      ? [[t.cpBooking, bookingText(answer.booking), 'booking'] as [string, string, string]]
      : []),
  ]
  return el(
    'dl',
    { class: 'pass-details' },
    ...rows.flatMap(([label, value, key]) => [
      el('dt', {}, label),
      el('dd', { [`data-${key}`]: '' }, value),
    ]),
    ...(offline ? [el('dd', { class: 'hint' }, t.cpOfflineNames)] : []),
  )
}

/** A typed number the server does not know: 查无此证 — not "invalid", not a server error. */
export function notFoundView() {
  return el(
    'div',
    { class: 'verdict invalid', 'data-verdict': 'not_found', role: 'status' },
    el('p', { class: 'headline' }, `✖ ${t.cpNotFound}`),
    el('p', {}, t.cpNotFoundHint),
  )
}

/** Offline, a typed number the stored list does not decide (or a plate): scan the QR. */
export function scanQrView(trust?: TrustBasis) {
  return el(
    'div',
    { class: 'verdict warn', 'data-verdict': 'scan_qr', role: 'status' },
    el('p', { class: 'headline' }, t.cpScanQrOffline),
    ...(trust ? [trustAgeLine(trust)] : []),
  )
}

/** Offline, a typed number whose bit is set in its issuer's stored status list. */
export function listedView(status: 'revoked', trust: TrustBasis) {
  return el(
    'div',
    {
      class: 'verdict invalid',
      'data-verdict': 'invalid',
      'data-pass-status': 'invalid',
      role: 'status',
    },
    el('p', { class: 'headline' }, `✖ ${t.cpPassInvalid}`),
    el('p', { class: 'action', 'data-action': 'control_on_site' }, word('control_on_site')),
    el('ul', { 'data-reasons': status }, el('li', {}, word(status))),
    el('p', {}, t.cpListedOffline),
    trustAgeLine(trust),
  )
}

/** 准时 · 预约 16:00–17:00, or 未预约: information only, never a reason to turn a truck back. */
function bookingText(booking: NonNullable<ScanView['booking']>): string {
  const timing = t[`cpBooking_${booking.timing}`]
  if (!booking.starts_at || !booking.ends_at) return timing
  return fill(t.cpBookingLine, {
    timing,
    from: time(booking.starts_at).slice(-5),
    to: time(booking.ends_at).slice(-5),
  })
}
