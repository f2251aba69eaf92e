import { encryptPersonal, maskIdNumber, maskPhone } from '../privacy/personal-data.ts'

// A crew as stored, by a saved vehicle and by each application and pass made from it: one JSON
// format, so a vehicle's sealed crew is copied into an application as it is.

/** One crew member as stored: ID number and phone only encrypted and masked. */
export interface StoredCrewMember {
  name: string
  id_number_enc: string
  id_number_masked: string
  phone_enc: string
  phone_masked: string
}

/** Encrypts each member's ID number and phone and keeps only their masked forms in clear. */
export async function sealCrew(
  dataKey: string,
  crew: { name: string; id_number: string; phone: string }[],
): Promise<StoredCrewMember[]> {
  return Promise.all(
    crew.map(async (m) => ({
      name: m.name,
      id_number_enc: await encryptPersonal(dataKey, m.id_number),
      id_number_masked: maskIdNumber(m.id_number),
      phone_enc: await encryptPersonal(dataKey, m.phone),
      phone_masked: maskPhone(m.phone),
    })),
  )
}

/** A stored crew (JSON) as every answer shows it: names, ID numbers and phones masked. */
export const maskedCrew = (crew: string) =>
  (JSON.parse(crew) as StoredCrewMember[]).map((m) => ({
    name: m.name,
    id_number: m.id_number_masked,
    phone: m.phone_masked,
  }))
