// Chinese licence plates (GA 36): a province character, the issuing-office letter, then five
// characters (ordinary plates, 7 in all) or six (new-energy plates, 8 in all, with D/F marking
// the energy type). I and O are never used, to avoid confusion with 1 and 0.

export const PROVINCE_CHARACTERS = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼'

const LETTER = 'A-HJ-NP-Z'
const ALNUM = `${LETTER}0-9`
const ORDINARY = new RegExp(
  `^[${PROVINCE_CHARACTERS}][${LETTER}][${ALNUM}]{4}[${ALNUM}挂学警港澳]$`,
  'u',
)
// Small new-energy cars: D/F then five; large new-energy vehicles: five digits then D/F.
const NEW_ENERGY = new RegExp(
  `^[${PROVINCE_CHARACTERS}][${LETTER}](?:[DF][${ALNUM}][0-9]{4}|[0-9]{5}[DF])$`,
  'u',
)

// What people type between a plate's groups, once NFKC has folded full-width forms (`Ａ１`, `．`,
// `－`, the ideographic space, half-width `･`): spaces, dots of every kind (`·` `•` `・` `‧` `∙`
// `⋅`), dashes (`‐`…`―`, `−`, `ー`), underscores; and invisible characters (zero-width spaces
// and joiners, soft hyphens) that a paste can carry. No plate character is among them.
const SEPARATORS =
  /[\s.·•・‧∙⋅\-\u2010-\u2015\u2212\u30FC_\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/g

/**
 * Upper case, without the separators people type (`浙a·12345`, `浙Ａ・１２３４５` → `浙A12345`).
 * Pure: the offline scan page bundles it, so a plate compares the same on the phone and the server.
 */
export function normalisePlate(input: string): string {
  return input.normalize('NFKC').replace(SEPARATORS, '').toUpperCase()
}

/** The normalised plate, or null if it is not a valid plate. */
export function parsePlate(input: string): string | null {
  const plate = normalisePlate(input)
  return ORDINARY.test(plate) || NEW_ENERGY.test(plate) ? plate : null
}
