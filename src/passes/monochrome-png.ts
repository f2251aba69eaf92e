// A black-and-white PNG (greyscale, 1 bit a pixel) from packed scanlines. A QR code needs nothing
// more, and the file is a fraction of an RGBA one. Deflate goes through CompressionStream, which
// both runtimes have; on Node it compresses on libuv's thread pool, off the event loop.

/** Bytes in one scanline of a 1-bit image `width` pixels wide: the filter-type byte (0), then 8 pixels a byte. */
export const scanlineLength = (width: number) => 1 + Math.ceil(width / 8)

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

/** `scanlines`: `height` rows of `scanlineLength(width)` bytes; a pixel bit 1 is white, 0 black. */
export async function encodeMonochromePng(
  width: number,
  height: number,
  scanlines: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  if (scanlines.length !== height * scanlineLength(width))
    throw new Error('scanlines do not match the image size')
  const header = new Uint8Array(13)
  const view = new DataView(header.buffer)
  view.setUint32(0, width)
  view.setUint32(4, height)
  header[8] = 1 // bit depth; colour type 0 (greyscale), compression, filter and interlace 0
  const parts = [
    Uint8Array.from(SIGNATURE),
    chunk('IHDR', header),
    chunk('IDAT', await zlibDeflate(scanlines)),
    chunk('IEND', new Uint8Array(0)),
  ]
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    png.set(part, at)
    at += part.length
  }
  return png
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)))
  return out
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** zlib-wrapped deflate, what a PNG's IDAT holds. */
async function zlibDeflate(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream('deflate'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}
