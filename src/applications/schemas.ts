import { z } from '@hono/zod-openapi'
import { CrewInput, CrewMember, Plate } from '../vehicles/schemas.ts'
import { RegionCode } from '../regions/schemas.ts'
import { ReferenceCode } from '../stations/schemas.ts'
import { APPLICATION_STATUSES } from './applications.table.ts'
import { CARGO_CATEGORIES } from './rules.ts'
import { RealDateTime } from './real-date-time.ts'
import { REJECTION_CODES } from './rejection-reasons.ts'

export { RealDateTime }
// A plate and a crew are read alike wherever a vehicle is named (vehicles/schemas.ts).
export { CrewInput, CrewMember, CrewMemberInput, Plate } from '../vehicles/schemas.ts'

export const Destination = z
  .union([
    z.object({ station_code: ReferenceCode }).strict(),
    z.object({ region_code: RegionCode, address: z.string().trim().min(2).max(200) }).strict(),
  ])
  .openapi('Destination', {
    description: 'a transfer station, or the enterprise’s own site in a region',
  })

export const DestinationView = z
  .object({
    station_code: z.string().optional(),
    region_code: z.string(),
    address: z.string().optional(),
  })
  .openapi('DestinationView')

/** Every date or time a client sends: a real calendar moment with an offset (see `RealDateTime`). */
export const Timestamp = RealDateTime

export const ApplicationBody = z
  .object({
    plate: Plate,
    crew: CrewInput,
    cargo_category: z.enum(CARGO_CATEGORIES),
    origin_region_code: RegionCode,
    destination: Destination,
    route: z.string().trim().min(2).max(500),
    valid_from: Timestamp,
    valid_until: Timestamp,
  })
  .openapi('ApplicationRequest')

/**
 * POST /applications: an ApplicationBody, or one that starts from a kept vehicle (`vehicle_id`):
 * then `plate` and `crew` may be left out (the vehicle's plate, its saved crew); a `crew` given
 * is this application's alone. (ApplicationBody itself stays as it is: the bulk upload reads it.)
 */
// A fresh object from the same fields (not `.extend`, which the document would show as ApplicationRequest
// plus changes, still requiring plate and crew).
export const ApplicationSubmission = z
  .object({
    ...ApplicationBody.shape,
    vehicle_id: z.string().min(1).max(64).optional().openapi({
      description:
        'one of the firm’s kept vehicles (GET /api/v1/vehicles): its plate and saved crew are used where `plate` and `crew` are left out',
    }),
    plate: Plate.optional().openapi({
      description: 'required without `vehicle_id`; with it, must be the vehicle’s plate',
    }),
    crew: CrewInput.optional().openapi({
      description:
        'required without `vehicle_id`; with it, replaces the saved crew for this application only',
    }),
    arrival_slot: Timestamp.optional().openapi({
      description:
        'only for a transfer station: the start of one of its arrival slots (GET /api/v1/stations/{code}/slots), still to come and inside the validity window; booked for the pass on approval when it still has room',
    }),
  })
  .superRefine((body, ctx) => {
    if (body.vehicle_id !== undefined) return
    for (const field of ['plate', 'crew'] as const)
      if (body[field] === undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: 'required without vehicle_id' })
  })
  .openapi('ApplicationSubmission')

export const Application = z
  .object({
    id: z.string(),
    status: z.enum(APPLICATION_STATUSES),
    enterprise_id: z.string(),
    plate: z.string(),
    crew: z.array(CrewMember),
    cargo_category: z.enum(CARGO_CATEGORIES),
    origin_region_code: z.string(),
    destination: DestinationView,
    route: z.string(),
    valid_from: z.string(),
    valid_until: z.string(),
    decision_reason: z.string().nullable().openapi({
      description:
        'rejected: the coordinator’s free text (null when the code says it all); withdrawn: a fixed note',
    }),
    reason_code: z.enum(REJECTION_CODES).nullable().openapi({
      description:
        'rejected: the reason picked from GET /api/v1/applications/rejection-reasons (older free-text rejections are `other`); else null',
    }),
    decided_at: z.string().nullable(),
    waiting_seconds: z.number().int().openapi({
      description:
        'how long it has waited: while `submitted`, from submission until now; once decided or withdrawn, until then',
    }),
    overdue: z.boolean().openapi({
      description: '`submitted` for longer than APPROVAL_TARGET_HOURS (default 4)',
    }),
    pass_number: z.string().nullable(),
    arrival_slot: z.string().nullable().openapi({
      description:
        'the arrival slot asked for at the transfer station (its start, ISO); null when none was asked',
    }),
    created_at: z.string(),
    personal_erased_at: z.string().nullable().openapi({
      description:
        'when the crew’s personal data was deleted (retention, a subject’s request, decommission): `crew` is then empty; null while held',
    }),
  })
  .openapi('Application')

export const ReasonBody = z
  .object({ reason: z.string().trim().min(2).max(500) })
  .openapi('ReasonRequest')

/**
 * A rejection: a published reason code with optional free text, or free text alone (clients older
 * than the list, API.md's `{reason}`), which counts as `other`. `other` needs the text.
 */
export const RejectBody = z
  .object({
    reason_code: z.enum(REJECTION_CODES).optional().openapi({
      description: 'from GET /api/v1/applications/rejection-reasons; absent: `other`',
    }),
    reason: z.string().trim().min(2).max(500).optional().openapi({
      description: 'free text shown to the firm; required for `other`',
    }),
  })
  .refine((body) => (body.reason_code ?? 'other') !== 'other' || body.reason !== undefined, {
    path: ['reason'],
    message: 'required when the reason is other (or no reason_code is given)',
  })
  .openapi('RejectRequest')

export const RejectionReason = z
  .object({
    code: z.enum(REJECTION_CODES),
    text_zh: z.string().openapi({ example: '材料不全' }),
    text_en: z.string().openapi({ example: 'Documents incomplete' }),
  })
  .openapi('RejectionReason')

/**
 * Approval, optionally overriding another firm's claim on the plate: the coordinator confirms that
 * the other firm's pass is to be superseded, and says why (kept in the audit log and as that pass's
 * status reason).
 */
export const ApproveBody = z
  .object({
    confirm_other_firm: z.boolean().optional(),
    note: z.string().trim().min(2).max(500).optional(),
  })
  .strict()
  .refine((body) => !body.confirm_other_firm || body.note !== undefined, {
    path: ['note'],
    message:
      'required when confirm_other_firm is true: why the other firm’s pass is to be superseded',
  })
  .openapi('ApproveRequest')
export type ApproveBody = z.infer<typeof ApproveBody>
