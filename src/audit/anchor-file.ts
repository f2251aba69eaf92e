import { chmod, open } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { createInterface } from 'node:readline'
import { headLine, parseHead, type AuditAnchor } from './anchor.ts'

// Node only (node:fs): the anchor as a file beside the database, `DATA_DIR/audit-anchor.jsonl`.

/** Enough of the file's end to hold its last head (a head line is about 400 bytes). */
const TAIL_BYTES = 8192

/**
 * Appends each signed head as one JSON line to `path` (created 0600), flushed to disk before
 * `append` resolves. One small write per seal, never per entry; `latest` reads only the tail.
 */
export function fileAnchor(path: string): AuditAnchor {
  let checked = false
  return {
    name: `file ${basename(path)}`, // no server paths in API answers
    async append(head) {
      const file = await open(path, 'a+', 0o600)
      try {
        const { size } = await file.stat()
        let line = headLine(head)
        // A crash in the middle of an append can leave a torn last line: start on a fresh one.
        if (size > 0) {
          const last = Buffer.alloc(1)
          await file.read(last, 0, 1, size - 1)
          if (last[0] !== 0x0a) line = `\n${line}`
        }
        await file.appendFile(line)
        await file.sync()
        if (!checked) {
          await chmod(path, 0o600) // also when an older file was made with another mode
          if (size === 0) await syncDirectory(dirname(path)) // the new name survives a power cut too
          checked = true
        }
      } finally {
        await file.close()
      }
    },
    async latest() {
      const file = await open(path, 'r').catch(missingIsNull)
      if (!file) return null
      try {
        const { size } = await file.stat()
        const length = Math.min(size, TAIL_BYTES)
        const tail = Buffer.alloc(length)
        await file.read(tail, 0, length, size - length)
        const lines = tail.toString('utf8').split('\n')
        for (let i = lines.length - 1; i >= 0; i--) {
          const head = parseHead(lines[i])
          if (head) return head
        }
        return null
      } finally {
        await file.close()
      }
    },
    read: () => readLines(path),
  }
}

/**
 * The file's lines one at a time: it grows by a line per anchored head for as long as the
 * service runs, far past what one string can hold. Stopping early closes the file.
 */
async function* readLines(path: string) {
  const file = await open(path, 'r').catch(missingIsNull)
  if (!file) return
  const input = file.createReadStream({ encoding: 'utf8' })
  const lines = createInterface({ input, crlfDelay: Infinity })
  try {
    for await (const line of lines) if (line.trim() !== '') yield parseHead(line)
  } finally {
    lines.close()
    input.destroy()
  }
}

function missingIsNull(error: NodeJS.ErrnoException): null {
  if (error.code === 'ENOENT') return null
  throw error
}

async function syncDirectory(dir: string) {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } catch {
    // Some file systems refuse fsync on a directory; the file's own data is flushed already.
  } finally {
    await handle.close()
  }
}
