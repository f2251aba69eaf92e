import { PROVINCE_CHARACTERS } from '../../src/vehicles/plate.ts'

// The cases of the plate rules as data: test/vehicles/plate.test.ts runs them against the server's
// module, test/ui/offline-bundle.test.ts against the offline scan page's bundle.

/** [what was typed, what normalisePlate answers, why]. */
export const NORMALISE_CASES: [string, string, string][] = [
  ['浙a·12345', '浙A12345', 'upper-cases and removes the middle dot'],
  [' 浙 A 123 45 ', '浙A12345', 'removes spaces'],
  ['浙A-12345', '浙A12345', 'removes a dash'],
  ['浙A.12345', '浙A12345', 'removes a dot'],
  ['浙A_12345', '浙A12345', 'removes an underscore'],
  ['浙ａ１２３４５', '浙A12345', 'folds full-width letters and digits to ASCII'],
  ['浙Ａ１２３４５', '浙A12345', 'folds full-width capitals'],
  [
    '浙Ａ・１２３４５',
    '浙A12345',
    'removes the katakana middle dot a Japanese or Chinese IME gives',
  ],
  ['浙A･12345', '浙A12345', 'removes the half-width katakana middle dot'],
  ['浙Ａ\u3000１２３４５', '浙A12345', 'removes the ideographic (full-width) space'],
  ['浙Ａ－１２３４５', '浙A12345', 'removes the full-width hyphen-minus'],
  ['浙A—12345', '浙A12345', 'removes an em dash'],
  ['浙A‐12345', '浙A12345', 'removes a Unicode hyphen'],
  ['浙A−12345', '浙A12345', 'removes a minus sign'],
  ['浙Ａ．１２３４５', '浙A12345', 'removes a full-width full stop'],
  ['浙A•12345', '浙A12345', 'removes a bullet'],
  ['浙A\u200b12345', '浙A12345', 'removes a zero-width space a paste can carry'],
  ['鲁Q1234挂', '鲁Q1234挂', 'keeps the characters of a trailer plate'],
]

/** [what was typed, what parsePlate answers, why]. */
export const PARSE_CASES: [string, string | null, string][] = [
  ['浙A12345', '浙A12345', 'accepts a 7-character ordinary plate'],
  ['沪b·c2d3e', '沪BC2D3E', 'answers an ordinary plate normalised'],
  ['浙Ａ・１２３４５', '浙A12345', 'accepts a full-width plate with a katakana middle dot'],
  ...[...PROVINCE_CHARACTERS].map((p): [string, string, string] => [
    `${p}A12345`,
    `${p}A12345`,
    `accepts the province character ${p}`,
  ]),
  ['浙AD12345', '浙AD12345', 'accepts a small new-energy plate: D as the third character'],
  ['浙af12345', '浙AF12345', 'accepts a small new-energy plate: F as the third character'],
  ['粤BDA1234', '粤BDA1234', 'accepts a small new-energy plate with a letter after D'],
  ['浙A12345D', '浙A12345D', 'accepts a large new-energy plate: five digits then D'],
  ['苏E 12345 f', '苏E12345F', 'accepts a large new-energy plate: five digits then F'],
  ['浙AA12345', null, 'refuses 8 characters that are no new-energy plate (letter third)'],
  ['浙A123456', null, 'refuses 8 characters that are no new-energy plate (six digits)'],
  ['浙AD1234A', null, 'refuses 8 characters that are no new-energy plate (letter last)'],
  ['浙A1234AD', null, 'refuses 8 characters that are no new-energy plate (letters last)'],
  ['鲁Q1234挂', '鲁Q1234挂', 'accepts a trailer plate ending in 挂'],
  ['挂Q12345', null, 'refuses 挂 in first place'],
  ['浙I12345', null, 'refuses the letter I as the office letter'],
  ['浙O12345', null, 'refuses the letter O as the office letter'],
  ['浙A1234I', null, 'refuses the letter I at the end'],
  ['浙A12O45', null, 'refuses the letter O in the middle'],
  ['浙ADO2345', null, 'refuses the letter O in a new-energy plate'],
  ['AA12345', null, 'refuses a Latin first character'],
  ['杭A12345', null, 'refuses a city character that is not a province'],
  ['1A12345', null, 'refuses a digit first'],
  ['浙112345', null, 'refuses a digit where the issuing-office letter belongs'],
  ['', null, 'refuses nothing at all'],
  ['浙A1234', null, 'refuses 6 characters'],
  ['浙AD123456', null, 'refuses 9 characters'],
  ['浙A1234567', null, 'refuses 9 characters of digits'],
]
