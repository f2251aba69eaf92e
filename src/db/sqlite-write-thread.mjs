// @ts-check
// The worker thread that owns the write connection (see openNodeStore). Plain JavaScript,
// type-checked from its JSDoc: no TypeScript loader runs in a worker thread.
import { parentPort as port, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { batchCommitter, openSqlite } from './sqlite-writer.mjs'

/** @import { SqlQuery, WriteOutcome } from './sqlite-writer.mjs' */
/** @typedef {{ id: number, writes: SqlQuery[][], close?: undefined } | { close: true }} WriteMessage */
/** @typedef {{ id: number, outcomes: WriteOutcome[] }} WriteAnswer */

if (!port) throw new Error('sqlite-write-thread.mjs runs only as a worker thread')
const parentPort = port

const sqlite = openSqlite(workerData.filename)
// A checkpoint thread copies the WAL back; this connection does it only as a backstop.
if (workerData.walBackstopPages)
  sqlite.pragma(`wal_autocheckpoint = ${Number(workerData.walBackstopPages)}`)
const commitWrites = batchCommitter(sqlite)

/**
 * An error crosses the thread boundary as its message and SQLite code.
 * @param {any} error
 */
const plain = (error) => ({ message: String(error?.message ?? error), code: error?.code })

parentPort.on(
  'message',
  /** @param {WriteMessage} first */ function commitQueued(first) {
    if (first.close) {
      sqlite.close()
      parentPort.close()
      return
    }
    // Everything the main thread sent while the last commit was running joins this one.
    const messages = [first]
    for (
      let next = receiveMessageOnPort(parentPort);
      next;
      next = receiveMessageOnPort(parentPort)
    ) {
      /** @type {WriteMessage} */
      const message = next.message
      if (message.close) {
        parentPort.postMessage(answer(messages))
        sqlite.close()
        parentPort.close()
        return
      }
      messages.push(message)
    }
    parentPort.postMessage(answer(messages))
  },
)

/**
 * One transaction for every queued message's writes; one answer per message.
 * @param {{ id: number, writes: SqlQuery[][] }[]} messages
 * @returns {WriteAnswer[]}
 */
function answer(messages) {
  const outcomes = commitWrites(messages.flatMap((m) => m.writes))
  let i = 0
  return messages.map((m) => ({
    id: m.id,
    outcomes: m.writes.map(() => {
      const o = outcomes[i++]
      return o.ok ? o : { ok: false, error: plain(o.error) }
    }),
  }))
}
