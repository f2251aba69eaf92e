import { raw } from 'hono/html'
import type { Deps } from '../../../app-env.ts'
import { listCheckpoints } from '../../../checkpoints/checkpoints.repository.ts'
import { listStations } from '../../../stations/stations.repository.ts'
import { listRegions } from '../../../regions/regions.repository.ts'
import { Layout, type PageContext } from '../../layout.tsx'
import { MESSAGES, words } from '../../i18n.ts'
import { fullRegionName } from '../../place-names.tsx'

/**
 * The names the page shows for codes, embedded in the page (which the service worker keeps for
 * offline use), so a verdict made with no network still names places: every station and
 * checkpoint (they are few), and the medium- and high-risk regions — the ones that decide where a
 * truck must go; any other origin shows offline as its code with the risk level unknown.
 */
export interface PagePlaces {
  checkpoints: Record<string, { name: string; kind: string; station_code: string | null }>
  stations: Record<string, string>
  regions: Record<string, { name: string; risk_level: string }>
  /** Where a truck may be released to: transfer-station gates and destination checkpoints. */
  destinations: { code: string; name: string; station_code: string | null; region_code: string }[]
}

async function pagePlaces(deps: Deps): Promise<PagePlaces> {
  const db = deps.store.db
  const [checkpoints, stations, high, medium] = await Promise.all([
    listCheckpoints(db, {}),
    listStations(db, {}),
    listRegions(db, { risk: 'high', limit: 2000, offset: 0 }),
    listRegions(db, { risk: 'medium', limit: 2000, offset: 0 }),
  ])
  const stationNames = Object.fromEntries(stations.map((s) => [s.code, s.name]))
  return {
    checkpoints: Object.fromEntries(
      checkpoints.map((c) => [
        c.code,
        { name: c.name, kind: c.kind, station_code: c.station_code },
      ]),
    ),
    stations: stationNames,
    regions: Object.fromEntries(
      [...high, ...medium].map((r) => [
        r.code,
        { name: fullRegionName(r), risk_level: r.risk_level },
      ]),
    ),
    destinations: checkpoints
      .filter((c) => c.kind === 'transfer_station' || c.kind === 'destination')
      .map((c) => ({
        code: c.code,
        name:
          c.station_code && stationNames[c.station_code] && stationNames[c.station_code] !== c.name
            ? `${c.name}（${stationNames[c.station_code]}）`
            : c.name,
        station_code: c.station_code,
        region_code: c.region_code,
      })),
  }
}

/**
 * The scan page, built for a phone at night: the officer's checkpoint at the top (remembered on the
 * device), then the input, and the verdict right under it (the script scrolls it into view), then
 * the loop: its summary, the buttons its state allows (loops/next-steps.ts) and its records. The
 * script (client/scan.ts) asks the server, or verifies the QR itself when offline and queues.
 */
export async function scanPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const codes = ctx.principal!.checkpointCodes
  const [mine, places] = await Promise.all([
    listCheckpoints(deps.store.db, { codes }),
    pagePlaces(deps),
  ])
  const first = mine[0]
  return (
    <Layout ctx={ctx} title={t.scan} scripts={['scan']}>
      <section class="checkpoint-card" aria-labelledby="here-h" data-checkpoint-card>
        <p class="device-label" data-device hidden>
          {t.cpDeviceEnrolledAs}
          <strong class="data" data-device-label></strong>
        </p>
        <p class="notice" data-device-mismatch hidden>
          {t.cpDeviceMismatch}
        </p>
        <h1 id="here-h" class="hint">
          {t.cpHere}
        </h1>
        <p class="checkpoint-name">
          <strong class="data" lang="zh-CN" data-checkpoint-name>
            {first?.name ?? ''}
          </strong>{' '}
          <span class="badge" data-checkpoint-kind>
            {first ? words(ctx.lang, first.kind) : ''}
          </span>{' '}
          <span class="hint data" data-checkpoint-code>
            {first?.code ?? ''}
          </span>
        </p>
        <div class="field">
          <label for="checkpoint">{t.cpChange}</label>
          <select id="checkpoint" name="checkpoint" data-checkpoint aria-describedby="cp-remember">
            {mine.map((c) => (
              <option value={c.code} data-kind={c.kind} class="data" lang="zh-CN">
                {c.name}
              </option>
            ))}
          </select>
          <p class="hint" id="cp-remember">
            {t.cpRemembered}
          </p>
        </div>
      </section>
      <section data-enrol hidden aria-labelledby="enrol-h">
        <h2 id="enrol-h">{t.cpEnrolTitle}</h2>
        <p class="hint">{t.cpEnrolIntro}</p>
        <form data-enrol-form novalidate>
          <div class="field">
            <label for="enrol-code">{t.cpEnrolCode}</label>
            <input
              id="enrol-code"
              name="code"
              autocomplete="off"
              autocapitalize="characters"
              spellcheck={false}
              data-enrol-code
              aria-describedby="enrol-code-hint enrol-error"
            />
            <p class="hint" id="enrol-code-hint">
              {t.cpEnrolCodeHint} <code>7KQ3-M2XP-9H4D</code>
            </p>
            <p class="field-error" id="enrol-error" data-enrol-error role="alert"></p>
          </div>
          <button type="submit" class="big secondary">
            {t.cpEnrolSubmit}
          </button>
        </form>
      </section>
      <div class="status-bar" aria-live="polite">
        <span data-network>{t.online}</span>
        <span>
          {t.queued}: <span data-queue-count>0</span>
        </span>
        <span data-uploaded></span>
        <span class="hint" data-trust-status>
          {t.cpTrustNeverSynced}
        </span>
      </div>
      <section aria-labelledby="typed-h">
        <h2 id="typed-h">{t.typed}</h2>
        <form data-typed novalidate>
          <div class="field">
            <label for="typed-input">{t.typedHint}</label>
            <input
              id="typed-input"
              name="typed"
              autocomplete="off"
              autocapitalize="characters"
              enterkeyhint="go"
              data-typed-input
              aria-describedby="typed-error"
            />
            <p class="field-error" id="typed-error" data-input-error role="alert"></p>
          </div>
          <div class="field">
            <label for="observed-plate">{t.observedPlate}</label>
            <input
              id="observed-plate"
              name="observed_plate"
              autocomplete="off"
              data-observed-plate
            />
          </div>
          <button type="submit" class="big">
            {t.lookUp}
          </button>
        </form>
        <div class="row">
          <button type="button" class="big secondary" data-start-camera>
            {t.startCamera}
          </button>
          <button type="button" class="big secondary" data-stop-camera hidden>
            {t.stopCamera}
          </button>
        </div>
        <video data-video playsinline muted hidden aria-label={t.camera}></video>
        <canvas data-canvas hidden></canvas>
      </section>
      <section data-result aria-live="assertive" tabindex={-1}></section>
      <section data-loop hidden aria-labelledby="loop-h">
        <h2 id="loop-h">{t.cpLoop}</h2>
        <p data-loop-summary></p>
        <div data-loop-feedback aria-live="polite"></div>
        <h3>{t.cpNextSteps}</h3>
        <div data-next-steps></div>
        <h3>{t.cpLoopEvents}</h3>
        <ol class="events" data-loop-events></ol>
      </section>
      <script type="application/json" id="tx-places">
        {raw(JSON.stringify(places).replaceAll('<', '\\u003c'))}
      </script>
    </Layout>
  )
}
