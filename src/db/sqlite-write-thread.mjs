// The worker thread that owns the write connection (see openNodeStore). Plain JavaScript: no
// TypeScript loader runs in a worker thread.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { batchCommitter, openSqlite } from './sqlite-writer.mjs'

const sqlite = openSqlite(workerData.filename)
// A checkpoint thread copies the WAL back; this connection does it only as a backstop.
if (workerData.walBackstopPages) sqlite.pragma(`wal_autocheckpoint = ${Number(workerData.walBackstopPages)}`)
const commitWrites = batchCommitter(sqlite)

// An error crosses the thread boundary as its message and SQLite code.
const plain = (error) => ({ message: String(error?.message ?? error), code: error?.code })

parentPort.on('message', function commitQueued(first) {
  if (first.close) {
    sqlite.close()
    parentPort.close()
    return
  }
  // Everything the main thread sent while the last commit was running joins this one.
  const messages = [first]
  for (let next = receiveMessageOnPort(parentPort); next; next = receiveMessageOnPort(parentPort)) {
    if (next.message.close) {
      parentPort.postMessage(...answer(messages))
      sqlite.close()
      parentPort.close()
      return
    }
    messages.push(next.message)
  }
  parentPort.postMessage(...answer(messages))
})

function answer(messages) {
  const outcomes = commitWrites(messages.flatMap((m) => m.writes))
  let i = 0
  return [messages.map((m) => ({ id: m.id, outcomes: m.writes.map(() => {
    const o = outcomes[i++]
    return o.ok ? o : { ok: false, error: plain(o.error) }
  }) }))]
}
