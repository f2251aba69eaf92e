// Applies pending migrations to DATA_DIR/tongxing.db (the server also does this on start).
import Sqlite from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { migrate } from '../src/db/migrator.ts'

const dataDir = resolve(process.env.DATA_DIR ?? 'data')
mkdirSync(dataDir, { recursive: true })
const db = new Sqlite(join(dataDir, 'tongxing.db'))
db.pragma('journal_mode = WAL')
const applied = migrate(db)
console.log(applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply')
db.close()
