import { z } from '@hono/zod-openapi'
import { parsePlate } from '../vehicles/plate.ts'
import { MOBILE_PATTERN } from '../privacy/personal-data.ts'
import { RegionCode } from '../regions/schemas.ts'
import { ReferenceCode } from '../stations/schemas.ts'
import { isValidResidentId } from './resident-id.ts'
import { APPLICATION_STATUSES } from './applications.table.ts'
import { CARGO_CATEGORIES } from './rules.ts'
import { RealDateTime } from './real-date-time.ts'
import { REJECTION_CODES } from './rejection-reasons.ts'

export { RealDateTime }

export const Plate = z
  .string()
  .max(20)
  .transform((v, ctx) => {
    const plate = parsePlate(v)
    if (!plate) {
      ctx.addIssue({
        code: 'custom',
        message:
          'a Chinese plate: province character, letter, then 5 characters (6 for new-energy)',
      })
      return z.NEVER
    }
    return plate
  })
  .openapi({ type: 'string', example: '沪A12345' })

export const CrewMemberInput = z
  .object({
    name: z.string().trim().min(1).max(50),
    id_number: z
      .string()
      .trim()
      .transform((v) => v.toUpperCase())
      .refine(
        (v) => isValidResidentId(v),
        '18-character resident ID number with a valid check digit (GB 11643)',
      )
      .openapi({ type: 'string', example: '11010519491231002X' }),
    phone: z
      .string()
      .trim()
      .regex(MOBILE_PATTERN, 'an 11-digit mobile number')
      .openapi({ example: '13800138000' }),
  })
  .openapi('CrewMemberInput')

export const CrewInput = z
  .array(CrewMemberInput)
  .min(1, 'at least one crew member')
  .max(3, 'at most 3 crew members')

export const CrewMember = z
  .object({
    name: z.string(),
    id_number: z.string().openapi({ description: 'masked', example: '110105********002X' }),
    phone: z.string().openapi({ description: 'masked', example: '138****8000' }),
  })
  .openapi('CrewMember')

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
    created_at: z.string(),
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
