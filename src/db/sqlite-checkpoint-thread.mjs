// @ts-check
// A worker thread that copies the WAL back into the database file (a WAL checkpoint) every
// moment, on a connection of its own, so the write thread's commits never stop for it. Plain
// JavaScript, type-checked from its JSDoc: no TypeScript loader runs in a worker thread.
import { parentPort as port, workerData } from 'node:worker_threads'
import { openSqlite } from './sqlite-writer.mjs'

if (!port) throw new Error('sqlite-checkpoint-thread.mjs runs only as a worker thread')
const parentPort = port

const sqlite = openSqlite(workerData.filename)
// PASSIVE: copy what no reader still needs, never wait for readers or block the writer.
const checkpoint = sqlite.prepare('PRAGMA wal_checkpoint(PASSIVE)')
const timer = setInterval(() => {
  try {
    checkpoint.run()
  } catch {
    // busy with another checkpoint (the writer's backstop): try again next time
  }
}, workerData.intervalMs)

parentPort.on(
  'message',
  /** @param {{ close?: true }} message */ (message) => {
    if (!message.close) return
    clearInterval(timer)
    sqlite.close()
    parentPort.close()
  },
)
