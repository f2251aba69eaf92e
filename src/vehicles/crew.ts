import {
  decryptPersonal,
  encryptPersonal,
  idNumberHash,
  maskIdNumber,
  maskName,
  maskPhone,
  sealedKeyId,
  dataKeyId,
} from '../privacy/personal-data.ts'

// A crew as stored, by a saved vehicle and by each application and pass made from it: one JSON
// format, so a vehicle's sealed crew is copied into an application as it is. Names, ID numbers
// and phones are all sealed (encrypted, masked copies beside them); the ID number's keyed hash
// finds one person's records (a subject's request) without opening any.

/** The crew of a row whose personal data was erased (personal-data/erase.ts). */
export const ERASED_CREW = '[]'

/** One crew member as stored. */
export interface StoredCrewMember {
  name_enc: string
  name_masked: string
  id_number_enc: string
  id_number_masked: string
  /** idNumberHash under the key that sealed this member. */
  id_hash: string
  phone_enc: string
  phone_masked: string
}

/** A member stored before names were sealed (migration 0027): the name in clear, no hash. */
export interface LegacyCrewMember {
  name: string
  id_number_enc: string
  id_number_masked: string
  phone_enc: string
  phone_masked: string
}

export type AnyStoredCrewMember = StoredCrewMember | LegacyCrewMember

export interface CrewMember {
  name: string
  id_number: string
  phone: string
}

/** Seals each member: name, ID number and phone encrypted, masked copies and the ID hash beside. */
export async function sealCrew(dataKey: string, crew: CrewMember[]): Promise<StoredCrewMember[]> {
  return Promise.all(
    crew.map(async (m) => ({
      name_enc: await encryptPersonal(dataKey, m.name),
      name_masked: maskName(m.name),
      id_number_enc: await encryptPersonal(dataKey, m.id_number),
      id_number_masked: maskIdNumber(m.id_number),
      id_hash: await idNumberHash(dataKey, m.id_number),
      phone_enc: await encryptPersonal(dataKey, m.phone),
      phone_masked: maskPhone(m.phone),
    })),
  )
}

/** A member's name as every page shows it (王*国), from either format. */
export const maskedMemberName = (m: AnyStoredCrewMember) =>
  'name_masked' in m ? m.name_masked : maskName(m.name)

/** A stored crew (JSON) as every answer shows it: names, ID numbers and phones masked. */
export const maskedCrew = (crew: string) =>
  (JSON.parse(crew) as AnyStoredCrewMember[]).map((m) => ({
    name: maskedMemberName(m),
    id_number: m.id_number_masked,
    phone: m.phone_masked,
  }))

/** The crew's names only, masked. */
export const maskedCrewNames = (crew: string) =>
  (JSON.parse(crew) as AnyStoredCrewMember[]).map(maskedMemberName)

/**
 * A stored crew opened: the full names, ID numbers and phones. Only for an explicit, audited
 * purpose (a coordinator's reveal with a reason, a subject's export); never for a list or a page.
 */
export async function openCrew(keyRing: readonly string[], crew: string): Promise<CrewMember[]> {
  return Promise.all(
    (JSON.parse(crew) as AnyStoredCrewMember[]).map(async (m) => ({
      name: 'name_enc' in m ? await decryptPersonal(keyRing, m.name_enc) : m.name,
      id_number: await decryptPersonal(keyRing, m.id_number_enc),
      phone: await decryptPersonal(keyRing, m.phone_enc),
    })),
  )
}

/**
 * Whether a stored crew must be sealed again: a member from before names were sealed, or one
 * sealed under a key other than the current one (`currentKeyId`, see dataKeyId).
 */
export function crewNeedsReseal(crew: string, currentKeyId: string): boolean {
  const members = JSON.parse(crew) as AnyStoredCrewMember[]
  return members.some(
    (m) =>
      !('name_enc' in m) ||
      sealedKeyId(m.name_enc) !== currentKeyId ||
      sealedKeyId(m.id_number_enc) !== currentKeyId ||
      sealedKeyId(m.phone_enc) !== currentKeyId,
  )
}

/**
 * The crew sealed again under the current key (the ring's first), names included, the ID hash
 * computed under it; null when nothing needs it. Used by the in-place upgrade and by rotation.
 */
export async function resealCrew(keyRing: readonly string[], crew: string): Promise<string | null> {
  if (!crewNeedsReseal(crew, await dataKeyId(keyRing[0]))) return null
  return JSON.stringify(await sealCrew(keyRing[0], await openCrew(keyRing, crew)))
}
