// Chinese licence plates (GA 36): a province character, the issuing-office letter, then five
// characters (ordinary plates, 7 in all) or six (new-energy plates, 8 in all, with D/F marking
// the energy type). I and O are never used, to avoid confusion with 1 and 0.

export const PROVINCE_CHARACTERS = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼'

const LETTER = 'A-HJ-NP-Z'
const ALNUM = `${LETTER}0-9`
const ORDINARY = new RegExp(`^[${PROVINCE_CHARACTERS}][${LETTER}][${ALNUM}]{4}[${ALNUM}挂学警港澳]$`, 'u')
// Small new-energy cars: D/F then five; large new-energy vehicles: five digits then D/F.
const NEW_ENERGY = new RegExp(
  `^[${PROVINCE_CHARACTERS}][${LETTER}](?:[DF][${ALNUM}][0-9]{4}|[0-9]{5}[DF])$`,
  'u',
)

/** Upper case, without spaces, dots or dashes people type in (`浙a·12345` → `浙A12345`). */
export function normalisePlate(input: string): string {
  return input
    .normalize('NFKC')
    .replace(/[\s·•.\-_]/g, '')
    .toUpperCase()
}

/** The normalised plate, or null if it is not a valid plate. */
export function parsePlate(input: string): string | null {
  const plate = normalisePlate(input)
  return ORDINARY.test(plate) || NEW_ENERGY.test(plate) ? plate : null
}
