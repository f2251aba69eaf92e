import { describe, expect, it } from 'vitest'
import { normalisePlate, parsePlate } from '../../src/vehicles/plate.ts'
import { NORMALISE_CASES, PARSE_CASES } from './plate-cases.ts'

// The cases are data (plate-cases.ts): the offline scan page's bundle runs the same ones
// (test/ui/offline-bundle.test.ts).

describe('normalisePlate', () => {
  it.each(NORMALISE_CASES)('%s → %s: %s', (input, expected) => {
    expect(normalisePlate(input)).toBe(expected)
  })
})

describe('parsePlate', () => {
  it.each(PARSE_CASES)('%s → %s: %s', (input, expected) => {
    expect(parsePlate(input)).toBe(expected)
  })
})
