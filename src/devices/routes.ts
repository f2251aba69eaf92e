import { createRoute, z } from '@hono/zod-openapi'
import QRCode from 'qrcode'
import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { ApiError, badRequest, conflict, notFound } from '../http/errors.ts'
import { pageHeaders, pageParams, pagedResponse } from '../http/paging.ts'
import {
  bearer,
  commonErrors,
  createRouter,
  ErrorSchema,
  jsonBody,
  jsonResponse,
} from '../http/router.ts'
import { allow } from '../auth/middleware.ts'
import { actorOf } from '../auth/principal.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { abortUnless } from '../db/guard.ts'
import { ReferenceCode } from '../stations/schemas.ts'
import { deviceKeyAlgorithm, sha256Hex } from './device-signature.ts'
import {
  enrollmentQrText,
  hashDeviceToken,
  newDeviceToken,
  newEnrollmentCode,
  normaliseEnrollmentCode,
} from './device-token.ts'
import { DEVICE_STATUSES, deviceView } from './device-view.ts'
import {
  findDevice,
  findDeviceByCodeHash,
  listDevices,
  listDeviceActivity,
} from './devices.repository.ts'
import type { DeviceRow } from './devices.table.ts'

/** How long a one-time enrolment code can be used. */
export const ENROLLMENT_TTL_MS = 10 * 60_000

const Label = z.string().trim().min(1).max(100)

const EnrollmentBody = z
  .object({
    checkpoint_codes: z
      .array(ReferenceCode)
      .min(1)
      .max(10)
      .openapi({ description: 'the checkpoints the phone may record at (1 to 10, existing)' }),
    label: Label.openapi({ example: '萧山卡口 2 号机' }),
  })
  .openapi('DeviceEnrollmentRequest')

const Enrollment = z
  .object({
    device_id: z.string(),
    label: z.string(),
    checkpoint_codes: z.array(z.string()),
    code: z.string().openapi({
      example: 'K7QM-3XPA-9RTE',
      description: 'the one-time code, for typing when the camera cannot read the QR',
    }),
    expires_at: z.string(),
    qr_svg: z.string().openapi({ description: 'the QR code (SVG) of `tongxing-enrol:<code>`' }),
  })
  .openapi('DeviceEnrollment')

// Only the public members matter; others (`ext`, `key_ops`, `alg`) are dropped, `d` is refused.
const PublicKeyJwk = z
  .object({
    kty: z.string().max(8),
    crv: z.string().max(16).optional(),
    x: z.string().max(200).optional(),
    y: z.string().max(200).optional(),
  })
  .loose()
  .openapi('DevicePublicJwk', {
    description:
      'the phone’s public key: EC P-256 (`{kty, crv, x, y}`) or OKP Ed25519 (`{kty, crv, x}`)',
  })

const RegistrationBody = z
  .object({
    code: z.string().trim().min(1).max(64).openapi({ example: 'K7QM-3XPA-9RTE' }),
    public_key_jwk: PublicKeyJwk,
    label: Label.optional().openapi({ description: 'renames the device' }),
  })
  .openapi('DeviceRegistrationRequest')

const Registration = z
  .object({
    device_id: z.string(),
    token: z.string().openapi({
      description: 'send as `X-Tongxing-Device`; shown once, only its hash is kept',
    }),
    label: z.string(),
    checkpoint_codes: z.array(z.string()),
  })
  .openapi('DeviceRegistration')

const Device = z
  .object({
    id: z.string(),
    label: z.string(),
    checkpoint_codes: z.array(z.string()),
    status: z.enum(DEVICE_STATUSES).openapi({
      description:
        '`pending`: its code is not used yet; `expired`: the code ran out unused; `active`: a phone registered; `revoked`',
    }),
    created_by: z.string(),
    created_at: z.string(),
    expires_at: z.string().openapi({ description: 'when its enrolment code runs out' }),
    enrolled_at: z.string().nullable(),
    last_seen_at: z.string().nullable(),
    revoked_at: z.string().nullable(),
    revoked_by: z.string().nullable(),
    revoke_reason: z.string().nullable(),
    uploads: z.number().int().openapi({ description: 'scans and loop events recorded with it' }),
    review: z.number().int().openapi({ description: 'of those, the ones kept for review' }),
  })
  .openapi('Device')

const DeviceActivity = z
  .object({
    kind: z.enum(['scan', 'event']),
    id: z.string(),
    at: z.string().openapi({ description: 'when it was made (device time)' }),
    received_at: z.string(),
    checkpoint_code: z.string(),
    recorded_by: z.string().openapi({ description: 'the signed-in account, `role:username`' }),
    summary: z.string().openapi({ description: 'a scan’s verdict, an event’s kind' }),
    loop_id: z.string().nullable(),
    device_review: z.string().nullable().openapi({
      description: 'why it is kept for review (`signed_before_revocation`); null when not',
    }),
  })
  .openapi('DeviceActivity')

const DeviceId = z.object({ id: z.string().min(1).max(64) })

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
})

/** The public key as stored: its public members only, or null when it is not one we take. */
async function publicDeviceKey(jwk: JsonWebKey): Promise<JsonWebKey | null> {
  const algorithm = deviceKeyAlgorithm(jwk)
  if (!algorithm) return null
  const key: JsonWebKey =
    jwk.kty === 'EC'
      ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }
      : { kty: jwk.kty, crv: jwk.crv, x: jwk.x }
  try {
    await crypto.subtle.importKey('jwk', key, algorithm, false, ['verify'])
    return key
  } catch {
    return null
  }
}

export function deviceRoutes(deps: Deps) {
  const { store } = deps
  const app = createRouter()

  async function viewOf(id: string, now: Date) {
    const device = await findDevice(store.db, id)
    if (!device) throw notFound('device')
    return deviceView(device, now)
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/devices/enrollments',
      tags: ['devices'],
      summary: 'Enrol a scanner phone: a one-time code and its QR',
      description:
        'Coordinators. Makes a device for one to ten existing checkpoints (else 400 `unknown_checkpoint`) and a one-time code valid for 10 minutes, with its QR code for the scan page to read. Only the code’s hash is kept. Until a phone registers, the device is `pending` and can be revoked, which cancels the code. Audited (`device.enroll`).',
      security: bearer,
      middleware: [allow('coordinator')],
      request: jsonBody(EnrollmentBody),
      responses: { 201: jsonResponse(Enrollment, 'the enrolment'), ...commonErrors },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const codes = [...new Set(body.checkpoint_codes)]
      const known = await store.db
        .selectFrom('checkpoints')
        .select('code')
        .where('code', 'in', codes)
        .execute()
      const missing = codes.filter((code) => !known.some((k) => k.code === code))
      if (missing.length > 0) {
        throw new ApiError(400, 'unknown_checkpoint', `no such checkpoint: ${missing.join(', ')}`, [
          { field: 'checkpoint_codes', message: `unknown: ${missing.join(', ')}` },
        ])
      }
      const now = deps.clock()
      const actor = actorOf(c.get('principal'))
      const code = newEnrollmentCode()
      const row: DeviceRow = {
        id: crypto.randomUUID(),
        label: body.label,
        checkpoint_codes: JSON.stringify(codes),
        created_by: actor,
        created_at: now.toISOString(),
        code_hash: await sha256Hex(code),
        code_expires_at: new Date(now.getTime() + ENROLLMENT_TTL_MS).toISOString(),
        public_key_jwk: null,
        token_hash: null,
        enrolled_at: null,
        last_seen_at: null,
        revoked_at: null,
        revoked_by: null,
        revoke_reason: null,
      }
      await store.atomic([
        store.db.insertInto('devices').values(row),
        auditEntry(now, {
          actor,
          action: 'device.enroll',
          subject: `device:${row.id}`,
          after: deviceView({ ...row, uploads: 0, review: 0 }, now),
        }),
      ])
      const qrSvg = await QRCode.toString(enrollmentQrText(code), {
        type: 'svg',
        errorCorrectionLevel: 'M',
      })
      return c.json(
        {
          device_id: row.id,
          label: row.label,
          checkpoint_codes: codes,
          code,
          expires_at: row.code_expires_at,
          qr_svg: qrSvg,
        },
        201,
        { 'cache-control': 'no-store' },
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/devices',
      tags: ['devices'],
      summary: 'Register a phone with its enrolment code and public key',
      description:
        'No sign-in needed: the one-time code is the credential. The phone sends the code it read and the public half of a key pair it made (ECDSA P-256 or Ed25519; a private key, another curve or a key that does not import: 400 `invalid_device_key`) and gets the device token, shown once. A code never given or cancelled: 404 `enrollment_not_found`; used: 409 `enrollment_used`; past its 10 minutes: 410 `enrollment_expired`; its device revoked: 403 `device_revoked`. Audited (`device.register`).',
      request: jsonBody(RegistrationBody),
      responses: {
        201: jsonResponse(Registration, 'the device token'),
        400: commonErrors[400],
        403: errorResponse('the device was revoked (`device_revoked`)'),
        404: errorResponse('no enrolment with this code, or it was cancelled'),
        409: errorResponse('the code was already used (`enrollment_used`)'),
        410: errorResponse('the code has expired (`enrollment_expired`)'),
      },
    }),
    async (c) => {
      const body = c.req.valid('json')
      const key = await publicDeviceKey(body.public_key_jwk as JsonWebKey)
      if (!key) {
        throw badRequest(
          'invalid_device_key',
          'the device key must be a public ECDSA P-256 or Ed25519 key',
          [{ field: 'public_key_jwk', message: 'not a public P-256 or Ed25519 key' }],
        )
      }
      const code = normaliseEnrollmentCode(body.code)
      const device = code ? await findDeviceByCodeHash(store.db, await sha256Hex(code)) : undefined
      if (!device) {
        throw new ApiError(
          404,
          'enrollment_not_found',
          'no enrolment with this code, or it was cancelled',
        )
      }
      const now = deps.clock()
      if (device.revoked_at) throw new ApiError(403, 'device_revoked', 'this device was revoked')
      if (device.enrolled_at) {
        throw conflict(
          'enrollment_used',
          'this enrolment code was already used; ask a coordinator for a new one',
        )
      }
      if (device.code_expires_at <= now.toISOString()) {
        throw new ApiError(
          410,
          'enrollment_expired',
          'this enrolment code has expired; ask a coordinator for a new one',
        )
      }
      const token = newDeviceToken()
      const after: DeviceRow = {
        ...device,
        label: body.label ?? device.label,
        public_key_jwk: JSON.stringify(key),
        token_hash: await hashDeviceToken(token),
        enrolled_at: now.toISOString(),
        // Registering is the phone's first contact.
        last_seen_at: now.toISOString(),
      }
      const principal = c.get('principal')
      await store.atomic([
        // Two phones racing with one code: the first takes it.
        abortUnless(
          sql`EXISTS (SELECT 1 FROM devices WHERE id = ${device.id} AND enrolled_at IS NULL AND revoked_at IS NULL)`,
          'enrollment_used',
          'this enrolment code was already used; ask a coordinator for a new one',
        ),
        store.db
          .updateTable('devices')
          .set({
            label: after.label,
            public_key_jwk: after.public_key_jwk,
            token_hash: after.token_hash,
            enrolled_at: after.enrolled_at,
            last_seen_at: after.last_seen_at,
          })
          .where('id', '=', device.id),
        auditEntry(now, {
          actor: principal ? actorOf(principal) : `device:${device.id}`,
          action: 'device.register',
          subject: `device:${device.id}`,
          after: { ...deviceView({ ...after, uploads: 0, review: 0 }, now), public_key_jwk: key },
        }),
      ])
      return c.json(
        {
          device_id: device.id,
          token,
          label: after.label,
          checkpoint_codes: JSON.parse(device.checkpoint_codes) as string[],
        },
        201,
        { 'cache-control': 'no-store' },
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/devices',
      tags: ['devices'],
      summary: 'Scanner devices',
      description:
        'Coordinators. Every device, the newest enrolment first, with its checkpoints, status, when it was last seen, how many scans and events it recorded (`uploads`) and how many of them are kept for review (`review`); `status` filters. Paged.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: {
        query: z.object({
          status: z.enum(DEVICE_STATUSES).optional(),
          ...pageParams({ limit: 100, max: 500 }),
        }),
      },
      responses: { 200: pagedResponse(Device, 'devices, newest first'), ...commonErrors },
    }),
    async (c) => {
      const { status, ...page } = c.req.valid('query')
      const now = deps.clock()
      const { rows, total } = await listDevices(store.db, { status, now: now.toISOString() }, page)
      return c.json(
        rows.map((row) => deviceView(row, now)),
        200,
        pageHeaders(c, page, total),
      )
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/devices/{id}/activity',
      tags: ['devices'],
      summary: 'What a device recorded: its scans and loop events',
      description:
        'Coordinators. The scans and loop events recorded with the device, the last received first; `review=true`: only those kept for review (signed before the device was revoked, received after). 404 for an unknown device. Paged.',
      security: bearer,
      middleware: [allow('coordinator')],
      request: {
        params: DeviceId,
        query: z.object({
          review: z.enum(['true', 'false']).optional(),
          ...pageParams({ limit: 100, max: 500 }),
        }),
      },
      responses: {
        200: pagedResponse(DeviceActivity, 'scans and events, the last received first'),
        ...commonErrors,
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { review, ...page } = c.req.valid('query')
      if (!(await findDevice(store.db, id))) throw notFound('device')
      const { rows, total } = await listDeviceActivity(
        store.db,
        id,
        { review: review === 'true' },
        page,
      )
      return c.json(rows, 200, pageHeaders(c, page, total))
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/devices/{id}/revoke',
      tags: ['devices'],
      summary: 'Revoke a device (or cancel an enrolment not used yet)',
      description:
        'Coordinators, with a reason. From now on the device’s token and signatures are refused (403 `device_revoked`); uploads it signed before now that arrive later are kept and flagged for review. A device no phone registered yet is revoked too: its code can no longer be used. Already revoked: 409 `device_already_revoked`. Audited (`device.revoke`).',
      security: bearer,
      middleware: [allow('coordinator')],
      request: {
        params: DeviceId,
        ...jsonBody(
          z.object({ reason: z.string().trim().min(1).max(500) }).openapi('DeviceRevocation'),
        ),
      },
      responses: { 200: jsonResponse(Device, 'the revoked device'), ...commonErrors },
    }),
    async (c) => {
      const { id } = c.req.valid('param')
      const { reason } = c.req.valid('json')
      const before = await findDevice(store.db, id)
      if (!before) throw notFound('device')
      if (before.revoked_at)
        throw conflict('device_already_revoked', `device ${id} is already revoked`)
      const now = deps.clock()
      const actor = actorOf(c.get('principal'))
      const after = {
        ...before,
        revoked_at: now.toISOString(),
        revoked_by: actor,
        revoke_reason: reason,
        // A code not used yet is cancelled: it then answers as one never given.
        code_hash: before.enrolled_at ? before.code_hash : null,
      }
      await store.atomic([
        abortUnless(
          sql`EXISTS (SELECT 1 FROM devices WHERE id = ${id} AND revoked_at IS NULL)`,
          'device_already_revoked',
          `device ${id} is already revoked`,
        ),
        store.db
          .updateTable('devices')
          .set({
            revoked_at: after.revoked_at,
            revoked_by: after.revoked_by,
            revoke_reason: after.revoke_reason,
            code_hash: after.code_hash,
          })
          .where('id', '=', id),
        auditEntry(now, {
          actor,
          action: 'device.revoke',
          subject: `device:${id}`,
          before: deviceView(before, now),
          after: deviceView(after, now),
        }),
      ])
      return c.json(await viewOf(id, now), 200)
    },
  )

  return app
}
