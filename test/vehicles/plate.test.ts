import { describe, expect, it } from 'vitest'
import { PROVINCE_CHARACTERS, normalisePlate, parsePlate } from '../../src/vehicles/plate.ts'

describe('normalisePlate', () => {
  it('upper-cases and removes spaces and the middle dot people type', () => {
    expect(normalisePlate('浙a·12345')).toBe('浙A12345')
    expect(normalisePlate(' 浙 A 123 45 ')).toBe('浙A12345')
    expect(normalisePlate('浙A-12345')).toBe('浙A12345')
    expect(normalisePlate('浙A.12345')).toBe('浙A12345')
  })

  it('folds full-width letters and digits to ASCII', () => {
    expect(normalisePlate('浙ａ１２３４５')).toBe('浙A12345')
  })
})

describe('parsePlate', () => {
  it('accepts a 7-character ordinary plate and answers it normalised', () => {
    expect(parsePlate('浙A12345')).toBe('浙A12345')
    expect(parsePlate('沪b·c2d3e')).toBe('沪BC2D3E')
  })

  it.each([...PROVINCE_CHARACTERS])('accepts the province character %s', (province) => {
    expect(parsePlate(`${province}A12345`)).toBe(`${province}A12345`)
  })

  it('accepts an 8-character small new-energy plate: D or F as the third character', () => {
    expect(parsePlate('浙AD12345')).toBe('浙AD12345')
    expect(parsePlate('浙af12345')).toBe('浙AF12345')
    expect(parsePlate('粤BDA1234')).toBe('粤BDA1234')
  })

  it('accepts an 8-character large new-energy plate: five digits then D or F', () => {
    expect(parsePlate('浙A12345D')).toBe('浙A12345D')
    expect(parsePlate('苏E 12345 f')).toBe('苏E12345F')
  })

  it('refuses 8 characters that are neither kind of new-energy plate', () => {
    expect(parsePlate('浙AA12345')).toBeNull()
    expect(parsePlate('浙A123456')).toBeNull()
    expect(parsePlate('浙AD1234A')).toBeNull()
    expect(parsePlate('浙A1234AD')).toBeNull()
  })

  it('accepts a trailer plate ending in 挂', () => {
    expect(parsePlate('鲁Q1234挂')).toBe('鲁Q1234挂')
    expect(parsePlate('挂Q12345')).toBeNull()
  })

  it('refuses the letters I and O anywhere, as GA 36 never issues them', () => {
    expect(parsePlate('浙I12345')).toBeNull()
    expect(parsePlate('浙O12345')).toBeNull()
    expect(parsePlate('浙A1234I')).toBeNull()
    expect(parsePlate('浙A12O45')).toBeNull()
    expect(parsePlate('浙ADO2345')).toBeNull()
  })

  it('refuses a first character that is not a province', () => {
    expect(parsePlate('AA12345')).toBeNull()
    expect(parsePlate('杭A12345')).toBeNull()
    expect(parsePlate('1A12345')).toBeNull()
  })

  it('refuses a digit where the issuing-office letter belongs', () => {
    expect(parsePlate('浙112345')).toBeNull()
  })

  it('refuses the wrong length', () => {
    expect(parsePlate('')).toBeNull()
    expect(parsePlate('浙A1234')).toBeNull()
    expect(parsePlate('浙AD123456')).toBeNull()
    expect(parsePlate('浙A1234567')).toBeNull()
  })
})
