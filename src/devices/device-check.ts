import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv, Deps, DeviceReview } from '../app-env.ts'
import { ApiError } from '../http/errors.ts'
import {
  DEVICE_HEADER,
  DEVICE_SIGNATURE_HEADER,
  DEVICE_TIME_HEADER,
  deviceSigningInput,
  importDeviceKey,
  sha256Hex,
  verifyWithDeviceKey,
} from './device-signature.ts'
import { hashDeviceToken } from './device-token.ts'
import { findDeviceByTokenHash, touchDevice } from './devices.repository.ts'
import type { DeviceRow } from './devices.table.ts'

/** A device's signed time further ahead of the server than this is refused: its clock is wrong. */
const FUTURE_LIMIT_MS = 5 * 60_000
/** `last_seen_at` is written at most this often per device. */
const TOUCH_EVERY_MS = 60_000

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])
/** The writes that record something at a checkpoint: only these need a device (REQUIRE_DEVICE). */
const CHECKPOINT_WRITES = new Set(['/api/v1/scans', '/api/v1/events', '/api/v1/loops'])
/** The uploads a revoked device's queue may still hold: kept for review if signed before. */
const QUEUED_UPLOADS = new Set(['/api/v1/scans', '/api/v1/events'])

const deviceError = (code: string, message: string, details?: unknown) =>
  new ApiError(403, code, message, details)
const revoked = (keptForReview: boolean) =>
  new ApiError(403, 'device_revoked', 'this device was revoked', { kept_for_review: keptForReview })

/**
 * Checks the scanner device a request names (`X-Tongxing-Device`, device-signature.ts) and sets
 * `c.var.device` for the handlers that record it. A request without the header costs one header
 * read (and, with REQUIRE_DEVICE, one look at the caller); with it: the device's row by its token
 * hash and, for a write, one signature check over the body. The row is read on every request, so
 * a revocation takes effect at once on every instance.
 *
 * A revoked device is refused (`device_revoked`), except the uploads its queue signed before the
 * revocation (a scan, an event batch): those are recorded, marked `signed_before_revocation`, and
 * still answered `device_revoked` (`kept_for_review: true`) so the page wipes itself.
 */
export function checkDevice(deps: Deps): MiddlewareHandler<AppEnv> {
  return async function checkDevice(c, next) {
    const token = c.req.header(DEVICE_HEADER)
    if (token === undefined) {
      c.set('device', null)
      if (deps.config.REQUIRE_DEVICE && isCheckpointWrite(c))
        throw deviceError(
          'device_required',
          'checkpoint records must come from an enrolled scanner device',
        )
      return next()
    }
    const device = await findDeviceByTokenHash(deps.store.db, await hashDeviceToken(token))
    if (!device || device.public_key_jwk === null)
      throw deviceError('device_unknown', 'this device is not enrolled here')
    const write = !SAFE_METHODS.has(c.req.method)
    const queuedUpload = write && QUEUED_UPLOADS.has(c.req.path)
    if (device.revoked_at !== null && !queuedUpload) throw revoked(false)

    let review: DeviceReview | null = null
    if (write) {
      const signedAt = await signedTime(c, device)
      if (device.revoked_at !== null) {
        // Whatever else is wrong with it, a revoked device hears that it is revoked (the page wipes).
        if (signedAt === null || signedAt >= Date.parse(device.revoked_at)) throw revoked(false)
        review = 'signed_before_revocation'
      } else if (signedAt === null) {
        throw deviceError(
          'device_signature_invalid',
          'the device signature is missing or does not match the request',
        )
      } else if (signedAt - deps.clock().getTime() > FUTURE_LIMIT_MS) {
        throw deviceError(
          'device_time_in_future',
          'the device signed this more than 5 minutes ahead of the server; check the phone’s clock',
        )
      }
      if (CHECKPOINT_WRITES.has(c.req.path)) {
        const enrolledAt = JSON.parse(device.checkpoint_codes) as string[]
        const outside = (await recordedAt(c)).find((code) => !enrolledAt.includes(code))
        if (outside !== undefined)
          throw deviceError(
            'device_wrong_checkpoint',
            `this device is not enrolled at checkpoint ${outside}`,
            { checkpoint_code: outside },
          )
      }
    }

    await seen(deps, device)
    c.set('device', { id: device.id, review })
    await next()
    if (review !== null) throw revoked(await uploadKept(c))
  }
}

const isCheckpointWrite = (c: Context<AppEnv>) =>
  c.req.method === 'POST' &&
  c.get('principal')?.role === 'checkpoint' &&
  CHECKPOINT_WRITES.has(c.req.path)

/**
 * The device's signed time of this request, if its signature over the method, path, time and
 * body hash verifies with the device's key; null if it is missing or does not.
 */
async function signedTime(c: Context<AppEnv>, device: DeviceRow): Promise<number | null> {
  const time = c.req.header(DEVICE_TIME_HEADER)
  const signature = c.req.header(DEVICE_SIGNATURE_HEADER)
  if (!time || !signature || !/^\d{1,15}$/.test(time)) return null
  // Hono keeps the bytes read here for the validators that parse the body after this.
  const bodyHash = await sha256Hex(new Uint8Array(await c.req.arrayBuffer()))
  const url = new URL(c.req.url)
  const input = deviceSigningInput(c.req.method, url.pathname + url.search, Number(time), bodyHash)
  const key = await deviceKey(device.public_key_jwk!)
  return key && (await verifyWithDeviceKey(key, input, signature)) ? Number(time) : null
}

/**
 * Imported device keys by their JWK text: importing costs as much as verifying, and a device's key
 * never changes (a new phone is a new device). Keyed by the key itself, so nothing stale is used;
 * bounded by starting afresh when full.
 */
const importedKeys = new Map<string, Promise<CryptoKey | null>>()
const MAX_IMPORTED_KEYS = 1000
function deviceKey(jwkText: string): Promise<CryptoKey | null> {
  let key = importedKeys.get(jwkText)
  if (key === undefined) {
    if (importedKeys.size >= MAX_IMPORTED_KEYS) importedKeys.clear()
    key = importDeviceKey(JSON.parse(jwkText) as JsonWebKey)
    importedKeys.set(jwkText, key)
  }
  return key
}

/**
 * The checkpoints a checkpoint write records at: the scan's or manual loop's, every event's of a
 * batch. A body that does not parse names none (the validators answer it).
 */
async function recordedAt(c: Context<AppEnv>): Promise<string[]> {
  const body = (await c.req.json().catch(() => null)) as Record<string, unknown> | null
  if (!body || typeof body !== 'object') return []
  if (c.req.path === '/api/v1/events') {
    const events = body.events
    if (!Array.isArray(events)) return []
    return events
      .map((e) => (e as { checkpoint_code?: unknown } | null)?.checkpoint_code)
      .filter((code): code is string => typeof code === 'string')
  }
  return typeof body.checkpoint_code === 'string' ? [body.checkpoint_code] : []
}

/** Keeps `last_seen_at` within a minute without a write on every request. */
async function seen(deps: Deps, device: DeviceRow) {
  const now = deps.clock()
  const last = device.last_seen_at === null ? 0 : Date.parse(device.last_seen_at)
  if (now.getTime() - last >= TOUCH_EVERY_MS)
    await touchDevice(deps.store.db, device.id, now.toISOString())
}

/**
 * Whether the handler stored the upload of a revoked device: a scan answered (a retry of one
 * stored before gets its stored answer), or an event batch with any event accepted or stored.
 */
async function uploadKept(c: Context<AppEnv>): Promise<boolean> {
  if (c.res.status !== 200) return false
  if (c.req.path !== '/api/v1/events') return true
  const { results } = (await c.res.clone().json()) as { results: { status: string }[] }
  return results.some((r) => r.status !== 'rejected')
}
