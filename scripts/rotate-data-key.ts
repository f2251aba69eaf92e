// Rotating the personal-data key (DATA_KEY) without downtime.
//
//   npm run keys:rotate-data              a new DATA_KEY in DATA_DIR/secrets.json, the old one kept
//                                         in DATA_KEY_PREVIOUS; everything is sealed again under the
//                                         new key while the service keeps running (each row written
//                                         only if unchanged since read). Then restart the service:
//                                         it seals under the new key and still opens the old.
//   npm run keys:rotate-data -- --finish  after the restart: seals again what the old process wrote
//                                         meanwhile and, once nothing is left under an earlier key,
//                                         removes DATA_KEY_PREVIOUS (else exit 1, saying how many).
//
// Keys given by the environment (not the file) are not edited: the steps are printed instead
// (Workers: `wrangler secret put`, then POST /api/v1/admin/data-key/reseal until nothing is left).
// Audited as `keys.rotate_data` (key ids and counts, never keys).
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { loadConfig } from '../src/config.ts'
import { openNodeStore, rawSqlite } from '../src/db/node-store.ts'
import { migrate } from '../src/db/migrator.ts'
import { generateSecrets } from '../src/keys/generate.ts'
import { saveSecrets, type Secrets } from '../src/node-secrets.ts'
import { dataKeyId } from '../src/privacy/personal-data.ts'
import { resealUnderCurrentKey, type DataKeyReseal } from '../src/personal-data/data-key-routes.ts'
import type { Deps } from '../src/app-env.ts'

type StoredSecrets = Secrets & { DATA_KEY_PREVIOUS?: string }

const dataDir = resolve(process.env.DATA_DIR ?? 'data')
const secretsFile = join(dataDir, 'secrets.json')
const finish = process.argv.includes('--finish')
const ACTOR = 'script:keys:rotate-data'

const splitKeys = (keys: string | undefined) =>
  (keys ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean)

const fileSecrets = (): StoredSecrets | null =>
  existsSync(secretsFile) ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as StoredSecrets) : null

/** Seals everything again under the configuration's DATA_KEY, audited; the DB closed after. */
async function reseal(secrets: Record<string, unknown>, step: string) {
  const config = loadConfig({ ...secrets, ...process.env })
  const store = openNodeStore(join(dataDir, 'tongxing.db'))
  migrate(rawSqlite(store))
  const deps: Deps = { store, config, clock: () => new Date() }
  const started = performance.now()
  try {
    const result = await resealUnderCurrentKey(deps, { actor: ACTOR, step })
    report(result, performance.now() - started)
    return result
  } catch (error) {
    // A value no key held opens (sealed under a key already dropped): nothing was lost, the rest
    // of that page was not written; the operator must find the key or erase that row.
    console.error(`resealing stopped: ${String(error instanceof Error ? error.message : error)}`)
    return null
  } finally {
    await store.close()
  }
}

function report(result: DataKeyReseal, ms: number) {
  const r = result.resealed
  console.log(
    `sealed again under data key ${result.key_id} in ${(ms / 1000).toFixed(1)} s: ` +
      `${r.applications} applications, ${r.arrival_reports} pre-arrival reports, ` +
      `${r.vehicles} vehicles, ${r.enterprises} enterprise phones`,
  )
  console.log(
    `values still under an earlier key (${result.previous_key_ids.join(', ') || 'none held'}): ${result.remaining}`,
  )
}

async function printSteps() {
  const current = process.env.DATA_KEY ?? ''
  const fresh = (await generateSecrets()).DATA_KEY
  const previous = [current, ...splitKeys(process.env.DATA_KEY_PREVIOUS)].filter(Boolean)
  console.log(`DATA_KEY comes from the environment: nothing is edited here. To rotate it:

  1. Keep the current key(s) as previous and put a new one (its id ${await dataKeyId(fresh)}):
       DATA_KEY_PREVIOUS=<the current DATA_KEY${previous.length > 1 ? ' and the earlier ones' : ''}, comma-separated>
       DATA_KEY=${fresh}
     Workers: wrangler secret put DATA_KEY_PREVIOUS, then wrangler secret put DATA_KEY.
     Node: set both in the service's environment and restart it.
  2. Seal everything again under the new key:
     Workers: POST /api/v1/admin/data-key/reseal {"limit": 500} as an admin, again while
              "remaining" is above 0.
     Node: npm run keys:rotate-data -- --finish, with the same environment.
  3. Once nothing remains under an earlier key, remove DATA_KEY_PREVIOUS
     (Workers: wrangler secret delete DATA_KEY_PREVIOUS; Node: unset it and restart).`)
}

async function main(): Promise<number> {
  const fromEnvironment =
    process.env.DATA_KEY !== undefined || process.env.DATA_KEY_PREVIOUS !== undefined
  if (fromEnvironment) {
    if (!finish || !process.env.DATA_KEY_PREVIOUS) {
      await printSteps()
      return 0
    }
    const result = await reseal(fileSecrets() ?? {}, 'finish')
    if (result?.remaining === 0) {
      console.log('nothing is left under an earlier key: remove DATA_KEY_PREVIOUS and restart')
      return 0
    }
    console.error(`${result?.remaining ?? 'some'} values left under an earlier key; run again`)
    return 1
  }

  const secrets = fileSecrets()
  if (!secrets) {
    console.error(`no ${secretsFile} (and no DATA_KEY in the environment): nothing to rotate`)
    return 2
  }
  if (finish) {
    if (!secrets.DATA_KEY_PREVIOUS) {
      console.log('no DATA_KEY_PREVIOUS in secrets.json: no rotation to finish')
      return 0
    }
    const result = await reseal(secrets, 'finish')
    if (result?.remaining !== 0) {
      console.error(
        `${result?.remaining ?? 'some'} values are still sealed under an earlier key, so ` +
          'DATA_KEY_PREVIOUS stays. Has the service been restarted since the rotation? ' +
          'Run --finish again once it has.',
      )
      return 1
    }
    const { DATA_KEY_PREVIOUS: _dropped, ...kept } = secrets
    saveSecrets(dataDir, kept)
    console.log(
      'removed DATA_KEY_PREVIOUS from secrets.json; restart the service so the old key leaves its memory',
    )
    return 0
  }

  // The new key is written before anything is sealed with it: stopped half-way, nothing is lost
  // (the old key stays in DATA_KEY_PREVIOUS, and running again finishes the work).
  const fresh = (await generateSecrets()).DATA_KEY
  const previous = [...new Set([secrets.DATA_KEY, ...splitKeys(secrets.DATA_KEY_PREVIOUS)])]
  const rotated: StoredSecrets = {
    ...secrets,
    DATA_KEY: fresh,
    DATA_KEY_PREVIOUS: previous.join(','),
  }
  saveSecrets(dataDir, rotated)
  console.log(
    `new data key ${await dataKeyId(fresh)} written to secrets.json; kept as previous: ${(
      await Promise.all(previous.map(dataKeyId))
    ).join(', ')}`,
  )
  const result = await reseal(rotated, 'rotate')
  console.log(
    'Restart the service now: it then seals under the new key and still opens the old one.\n' +
      'Then run: npm run keys:rotate-data -- --finish',
  )
  return result ? 0 : 1
}

process.exit(await main())
