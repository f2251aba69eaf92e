import { describe, expect, it } from 'vitest'
import {
  constantTimeEqual,
  driverToken,
  driverUrl,
  verifyDriverToken,
} from '../../src/passes/driver-link.ts'
import { keyedDigest } from '../../src/privacy/personal-data.ts'
import { maskPlate } from '../../src/drivers/mask-plate.ts'

const SECRET = 'a-token-secret-of-at-least-thirty-two-characters'
const NUMBER = '330100000042'

describe('the driver link token', () => {
  it('is the pass number and a 128-bit MAC, and verifies back to the pass number', async () => {
    const token = await driverToken(SECRET, NUMBER)
    expect(token).toMatch(/^330100000042\.[A-Za-z0-9_-]{22}$/)
    expect(await verifyDriverToken(SECRET, token)).toBe(NUMBER)
    // Short enough for a small QR code: under 40 characters.
    expect(token.length).toBeLessThan(40)
  })

  it('is the same every time for one pass (a printed link keeps working) and differs per pass', async () => {
    expect(await driverToken(SECRET, NUMBER)).toBe(await driverToken(SECRET, NUMBER))
    expect(await driverToken(SECRET, '330100000043')).not.toBe(await driverToken(SECRET, NUMBER))
  })

  it('refuses a tampered MAC, in every position', async () => {
    const token = await driverToken(SECRET, NUMBER)
    const [number, mac] = token.split('.')
    for (let i = 0; i < mac.length; i++) {
      const changed = mac[i] === 'A' ? 'B' : 'A'
      const tampered = `${number}.${mac.slice(0, i)}${changed}${mac.slice(i + 1)}`
      expect(await verifyDriverToken(SECRET, tampered), tampered).toBeNull()
    }
  })

  it('refuses one pass’s MAC on another pass number', async () => {
    const mac = (await driverToken(SECRET, NUMBER)).split('.')[1]
    expect(await verifyDriverToken(SECRET, `330100000043.${mac}`)).toBeNull()
  })

  it('refuses a token made with another secret (a rotated TOKEN_SECRET ends printed links)', async () => {
    const token = await driverToken(`${SECRET}-rotated`, NUMBER)
    expect(await verifyDriverToken(SECRET, token)).toBeNull()
  })

  it('answers null for malformed tokens', async () => {
    const good = await driverToken(SECRET, NUMBER)
    for (const bad of [
      '',
      NUMBER,
      `${NUMBER}.`,
      `${NUMBER}.${good.split('.')[1]}=`,
      `${NUMBER}.${good.split('.')[1].slice(0, 21)}`,
      `${NUMBER}.${good.split('.')[1]}A`,
      `33010000004.${good.split('.')[1]}`,
      `${NUMBER}x.${good.split('.')[1]}`,
      `${good}.${good}`,
      `${NUMBER}.${'+'.repeat(22)}`,
      '../../etc/passwd',
    ])
      expect(await verifyDriverToken(SECRET, bad), bad).toBeNull()
  })

  it('is not the login-token key: the MAC is under a derived key and a label of its own', async () => {
    const mac = (await driverToken(SECRET, NUMBER)).split('.')[1]
    // HMAC with TOKEN_SECRET itself over the number (with or without the label) is not the MAC.
    for (const message of [NUMBER, `tongxing/driver-link/v1:${NUMBER}`]) {
      const plain = Buffer.from(await keyedDigest(SECRET, message), 'hex')
        .subarray(0, 16)
        .toString('base64url')
      expect(mac).not.toBe(plain)
    }
  })

  it('compares MACs with a comparison that reads every byte (no early exit)', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true)
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false)
    expect(constantTimeEqual(new Uint8Array([9, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false)
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false)
  })

  it('builds the address on the given origin', async () => {
    expect(driverUrl('https://tx.example.cn', `${NUMBER}.abc`)).toBe(
      `https://tx.example.cn/d/${NUMBER}.abc`,
    )
  })
})

describe('maskPlate', () => {
  it('keeps the province, the city letter and the last two characters', () => {
    expect(maskPlate('浙A12345')).toBe('浙A***45')
    expect(maskPlate('沪AD12345')).toBe('沪A****45')
    expect(maskPlate('沪A12345D')).toBe('沪A****5D')
    expect(maskPlate('浙A1')).toBe('浙**')
  })
})
