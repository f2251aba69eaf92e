import QRCode from 'qrcode'

// Error-correction level M: the level the pass format is sized for (version 10 or lower).
const OPTIONS = { errorCorrectionLevel: 'M' as const, margin: 4 }

export function qrVersion(text: string): number {
  return QRCode.create(text, OPTIONS).version
}

export function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { ...OPTIONS, type: 'svg' })
}

/** PNG needs Node's PNG writer; the Workers bundle (browser build of qrcode) has only SVG. */
export async function qrPng(text: string, width = 512): Promise<Uint8Array | null> {
  const toBuffer = (QRCode as unknown as { toBuffer?: (t: string, o: object) => Promise<Uint8Array> }).toBuffer
  if (typeof toBuffer !== 'function') return null
  return toBuffer(text, { ...OPTIONS, type: 'png', width })
}

/** Headers for a QR image of a token: never cached by shared caches (it is a credential). */
export const QR_SVG_HEADERS = { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'private, no-store' }
