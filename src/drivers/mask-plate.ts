/**
 * `浙A***45`: a plate as the driver page shows it — the province and the letter of the issuing
 * city, then the last two characters; the rest hidden. Enough for a driver to recognise the own
 * truck, too little for a stranger who finds the link to learn which truck it is.
 */
export function maskPlate(plate: string): string {
  const chars = Array.from(plate.trim())
  if (chars.length <= 4) return `${chars[0] ?? ''}${'*'.repeat(Math.max(0, chars.length - 1))}`
  return `${chars.slice(0, 2).join('')}${'*'.repeat(chars.length - 4)}${chars.slice(-2).join('')}`
}
