import { describe, expect, it } from 'vitest'
import {
  dataKeyId,
  dataKeyRing,
  decryptPersonal,
  encryptPersonal,
  idNumberHash,
  sealedKeyId,
} from '../../src/privacy/personal-data.ts'
import {
  crewNeedsReseal,
  maskedCrew,
  maskedCrewNames,
  openCrew,
  resealCrew,
  sealCrew,
  type LegacyCrewMember,
} from '../../src/vehicles/crew.ts'
import { residentId } from '../support/fixtures.ts'

// Names, ID numbers and phones sealed alike, each value naming its key; what a page shows (all
// masked); what an audited purpose opens; and a crew sealed again under a new key.

const randomKey = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
const OLD = randomKey()
const NEW = randomKey()
const ID = residentId('19850412', '321')
const member = { name: '王建国', id_number: ID, phone: '13900002222' }

describe('a sealed value', () => {
  it('names the key that sealed it and opens with that key, alone or in a ring', async () => {
    const sealed = await encryptPersonal(OLD, '王建国')
    expect(sealedKeyId(sealed)).toBe(await dataKeyId(OLD))
    expect(sealed).not.toContain('王建国')
    expect(await decryptPersonal(OLD, sealed)).toBe('王建国')
    expect(await decryptPersonal([NEW, OLD], sealed)).toBe('王建国')
    await expect(decryptPersonal([NEW], sealed)).rejects.toThrow(/no data key/)
  })

  it('opens a value from before key ids (v1) with whichever key of the ring sealed it', async () => {
    const v2 = await encryptPersonal(OLD, '13900002222')
    const v1 = `v1.${v2.slice(v2.indexOf('.', 3) + 1)}`
    expect(sealedKeyId(v1)).toBeNull()
    expect(await decryptPersonal([NEW, OLD], v1)).toBe('13900002222')
    await expect(decryptPersonal([NEW], v1)).rejects.toThrow()
  })

  it('takes the previous keys from DATA_KEY_PREVIOUS, the current one first', () => {
    expect(dataKeyRing({ DATA_KEY: NEW, DATA_KEY_PREVIOUS: ` ${OLD}, ${NEW},` })).toEqual([
      NEW,
      OLD,
    ])
    expect(dataKeyRing({ DATA_KEY: NEW })).toEqual([NEW])
  })

  it('hashes an ID number under a key: the same person, the same hash; another key, another', async () => {
    const hash = await idNumberHash(OLD, ID)
    expect(await idNumberHash(OLD, ` ${ID.toLowerCase()} `)).toBe(hash)
    expect(await idNumberHash(NEW, ID)).not.toBe(hash)
    expect(await idNumberHash(OLD, residentId('19850412', '322'))).not.toBe(hash)
  })
})

describe('a sealed crew', () => {
  it('keeps no name, ID number or phone in clear, and shows them only masked', async () => {
    const stored = JSON.stringify(await sealCrew(OLD, [member]))
    for (const clear of ['王建国', ID, '13900002222']) expect(stored).not.toContain(clear)
    expect(maskedCrew(stored)).toEqual([
      {
        name: '王*国',
        id_number: `${ID.slice(0, 6)}********${ID.slice(-4)}`,
        phone: '139****2222',
      },
    ])
    expect(maskedCrewNames(stored)).toEqual(['王*国'])
    expect(JSON.parse(stored)[0].id_hash).toBe(await idNumberHash(OLD, ID))
    expect(await openCrew([OLD], stored)).toEqual([member])
  })

  it('shows and opens a crew stored before names were sealed', async () => {
    const [sealed] = await sealCrew(OLD, [member])
    const legacy: LegacyCrewMember = {
      name: '王建国',
      id_number_enc: sealed.id_number_enc,
      id_number_masked: sealed.id_number_masked,
      phone_enc: sealed.phone_enc,
      phone_masked: sealed.phone_masked,
    }
    const stored = JSON.stringify([legacy])
    expect(maskedCrewNames(stored)).toEqual(['王*国'])
    expect(maskedCrew(stored)[0].name).toBe('王*国')
    expect(await openCrew([OLD], stored)).toEqual([member])
    expect(crewNeedsReseal(stored, await dataKeyId(OLD))).toBe(true)

    const resealed = await resealCrew([OLD], stored)
    expect(resealed).not.toBeNull()
    expect(resealed).not.toContain('王建国')
    expect(await openCrew([OLD], resealed!)).toEqual([member])
    expect(await resealCrew([OLD], resealed!)).toBeNull()
  })

  it('is sealed again under a new key, its ID hash with it, and then needs nothing more', async () => {
    const stored = JSON.stringify(await sealCrew(OLD, [member, { ...member, name: '李四' }]))
    expect(crewNeedsReseal(stored, await dataKeyId(OLD))).toBe(false)
    expect(crewNeedsReseal(stored, await dataKeyId(NEW))).toBe(true)
    const moved = await resealCrew([NEW, OLD], stored)
    const members = JSON.parse(moved!)
    for (const m of members)
      for (const field of ['name_enc', 'id_number_enc', 'phone_enc'])
        expect(sealedKeyId(m[field])).toBe(await dataKeyId(NEW))
    expect(members[0].id_hash).toBe(await idNumberHash(NEW, ID))
    expect(await openCrew([NEW], moved!)).toEqual([member, { ...member, name: '李四' }])
    expect(await resealCrew([NEW, OLD], moved!)).toBeNull()
  })
})
