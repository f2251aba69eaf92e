import { describe, expect, it } from 'vitest'
import {
  bookingTiming,
  chinaDate,
  nextFreeSlots,
  parseOpeningHours,
  slotsOfDay,
} from '../../src/stations/slots.ts'

describe('station slots', () => {
  it('reads opening hours, a close at or before the open running past midnight', () => {
    expect(parseOpeningHours('06:00-22:00')).toEqual({ open: 360, close: 1320 })
    expect(parseOpeningHours('00:00-24:00')).toEqual({ open: 0, close: 1440 })
    expect(parseOpeningHours('22:00-06:00')).toEqual({ open: 1320, close: 1800 })
  })

  it('cuts a China-time day into hourly slots from the opening time', () => {
    const slots = slotsOfDay('2026-12-05', { opening_hours: '06:00-09:00', capacity_per_day: 30 })
    expect(slots.map((s) => s.starts_at)).toEqual([
      '2026-12-04T22:00:00.000Z',
      '2026-12-04T23:00:00.000Z',
      '2026-12-05T00:00:00.000Z',
    ])
    expect(slots.map((s) => s.capacity)).toEqual([10, 10, 10])
  })

  it('spreads the daily capacity so the slots add up to it, the first taking the remainder', () => {
    const slots = slotsOfDay('2026-12-05', { opening_hours: '00:00-24:00', capacity_per_day: 50 })
    expect(slots).toHaveLength(24)
    expect(slots.reduce((sum, s) => sum + s.capacity, 0)).toBe(50)
    expect(slots[0].capacity).toBe(3)
    expect(slots[23].capacity).toBe(2)
  })

  it('uses the station’s own capacity per hour when it has one', () => {
    const slots = slotsOfDay('2026-12-05', {
      opening_hours: '08:00-10:00',
      capacity_per_day: 100,
      capacity_per_hour: 4,
    })
    expect(slots.map((s) => s.capacity)).toEqual([4, 4])
  })

  it('ends the last slot at the close when the hours do not fall on the hour', () => {
    const slots = slotsOfDay('2026-12-05', { opening_hours: '08:30-10:00', capacity_per_day: 2 })
    expect(slots.map((s) => [s.starts_at, s.ends_at])).toEqual([
      ['2026-12-05T00:30:00.000Z', '2026-12-05T01:30:00.000Z'],
      ['2026-12-05T01:30:00.000Z', '2026-12-05T02:00:00.000Z'],
    ])
  })

  it('runs an overnight station into the next day', () => {
    const slots = slotsOfDay('2026-12-05', { opening_hours: '22:00-02:00', capacity_per_day: 8 })
    expect(slots).toHaveLength(4)
    expect(slots[3].starts_at).toBe('2026-12-05T17:00:00.000Z')
  })

  it('names the China day of an instant', () => {
    expect(chinaDate(new Date('2026-12-04T16:00:00Z'))).toBe('2026-12-05')
    expect(chinaDate(new Date('2026-12-04T15:59:59Z'))).toBe('2026-12-04')
  })

  it('offers the next slots with room, after a time, in order', () => {
    const slots = slotsOfDay('2026-12-05', { opening_hours: '06:00-12:00', capacity_per_day: 12 })
    const booked = slots.map((s, i) => ({ ...s, booked: i === 1 || i === 2 ? 2 : 0 }))
    const free = nextFreeSlots(booked, booked[0].starts_at, 2)
    expect(free.map((s) => s.starts_at)).toEqual([booked[3].starts_at, booked[4].starts_at])
  })

  it('tells on time, early and late against the booked slot, and none without one', () => {
    const slot = { starts_at: '2026-12-05T02:00:00.000Z', ends_at: '2026-12-05T03:00:00.000Z' }
    expect(bookingTiming(slot, new Date('2026-12-05T01:50:00Z'))).toBe('on_time')
    expect(bookingTiming(slot, new Date('2026-12-05T01:40:00Z'))).toBe('early')
    expect(bookingTiming(slot, new Date('2026-12-05T02:59:59Z'))).toBe('on_time')
    expect(bookingTiming(slot, new Date('2026-12-05T03:00:00Z'))).toBe('late')
    expect(bookingTiming(null, new Date('2026-12-05T02:30:00Z'))).toBe('none')
  })
})
