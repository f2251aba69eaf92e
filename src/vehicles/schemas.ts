import { z } from '@hono/zod-openapi'
import { MOBILE_PATTERN } from '../privacy/personal-data.ts'
import { isValidResidentId } from '../privacy/resident-id.ts'
import { parsePlate } from './plate.ts'
import { VEHICLE_KINDS } from './vehicle-kinds.ts'

// A vehicle's plate and crew as every request gives them (a saved vehicle, an application, a
// pre-arrival report); applications/schemas.ts re-exports them for those callers.

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

export const VehicleKind = z.enum(VEHICLE_KINDS).openapi({
  description: 'heavy_truck, light_truck, van, refrigerated, tanker or other',
})

export const VehicleBody = z
  .object({
    plate: Plate,
    kind: VehicleKind,
    crew: CrewInput.openapi({
      description: 'the default crew (1 to 3) an application starts from',
    }),
  })
  .openapi('VehicleRequest')

export const VehicleUpdateBody = z
  .object({
    kind: VehicleKind.optional(),
    crew: CrewInput.optional().openapi({ description: 'replaces the whole saved crew' }),
  })
  // The plate is what the vehicle is: a new plate is a new vehicle (delete and add).
  .strict()
  .openapi('VehicleUpdateRequest')

export const Vehicle = z
  .object({
    id: z.string(),
    enterprise_id: z.string(),
    plate: z.string(),
    kind: VehicleKind,
    crew: z.array(CrewMember).openapi({ description: 'ID numbers and phones masked' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Vehicle')
