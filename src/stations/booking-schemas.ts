import { z } from '@hono/zod-openapi'
import { BOOKING_STATUSES } from './bookings.table.ts'

/** A China-time day. */
export const ChinaDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a China-time day, YYYY-MM-DD')
  .refine((day) => {
    const at = Date.parse(`${day}T00:00:00Z`)
    return Number.isFinite(at) && new Date(at).toISOString().slice(0, 10) === day
  }, 'a China-time day, YYYY-MM-DD')
  .openapi({ example: '2026-12-01' })

export const SlotStart = z
  .string()
  .datetime({ offset: true })
  .openapi({ example: '2026-12-01T02:00:00.000Z', description: 'a slot’s start (any offset)' })

export const SlotView = z
  .object({
    starts_at: z.string(),
    ends_at: z.string(),
    capacity: z.number().int(),
    booked: z.number().int(),
  })
  .openapi('StationSlot')

export const BookingBody = z
  .object({ pass_number: z.string().min(1).max(40), starts_at: SlotStart })
  .openapi('BookingRequest')

export const BookingMoveBody = z.object({ starts_at: SlotStart }).openapi('BookingMove')

export const Booking = z
  .object({
    id: z.string(),
    station_code: z.string(),
    pass_number: z.string(),
    plate: z.string(),
    starts_at: z.string(),
    ends_at: z.string(),
    status: z.enum(BOOKING_STATUSES),
    notice: z.string().nullable(),
    arrived_at: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('StationBooking')
