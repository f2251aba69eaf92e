import type { Deps } from '../../app-env.ts'
import { listArrivalReports, reportView } from '../../arrivals/arrivals.repository.ts'
import { listCheckpoints } from '../../checkpoints/checkpoints.repository.ts'
import { Layout, Table, type PageContext } from '../layout.tsx'
import { MESSAGES, words } from '../i18n.ts'

/**
 * The scan page. The script (client/scan.ts) reads the QR with the camera or takes a typed pass
 * number or plate, asks the server, or — with no network — verifies the token itself against the
 * stored keys and revocation list and queues the scan and events for later.
 */
export async function scanPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const codes = ctx.principal!.checkpointCodes
  const checkpoints = await listCheckpoints(deps.store.db, { codes })
  return (
    <Layout ctx={ctx} title={t.scan} scripts={['scan']}>
      <h1>{t.scan}</h1>
      <div class="status-bar" aria-live="polite">
        <span data-network>{t.online}</span>
        <span>
          {t.queued}: <span data-queue-count>0</span>
        </span>
      </div>
      <div class="field">
        <label for="checkpoint">{t.checkpoint}</label>
        <select id="checkpoint" name="checkpoint" data-checkpoint>
          {checkpoints.map((c) => (
            <option value={c.code} data-kind={c.kind}>{`${c.name} (${c.code})`}</option>
          ))}
        </select>
      </div>
      <section data-result aria-live="assertive"></section>
      <section data-loop-actions hidden aria-labelledby="next-h">
        <h2 id="next-h">{t.nextSteps}</h2>
        <p data-loop-summary></p>
        <div class="row">
          <div>
            <label for="tube-code">{t.tubeCode}</label>
            <input id="tube-code" data-tube-code autocomplete="off" />
          </div>
          <div style="flex:0 0 auto">
            <button type="button" class="big" data-event="sampled">
              {t.sampled}
            </button>
          </div>
        </div>
        <div class="grid">
          <button
            type="button"
            class="big"
            data-event="antigen_result"
            data-result-value="negative"
          >
            {t.antigenNeg}
          </button>
          <button
            type="button"
            class="big danger"
            data-event="antigen_result"
            data-result-value="positive"
          >
            {t.antigenPos}
          </button>
        </div>
        <div class="row">
          <div>
            <label for="dest-code">{t.destCode}</label>
            <input id="dest-code" data-dest-code autocomplete="off" />
          </div>
          <div style="flex:0 0 auto">
            <button type="button" class="big" data-event="released">
              {t.released}
            </button>
          </div>
        </div>
        <div class="grid">
          <button type="button" class="big" data-event="destination_arrived">
            {t.destArrived}
          </button>
          <button type="button" class="big" data-event="handed_over">
            {t.handedOver}
          </button>
          <button type="button" class="big" data-event="departed">
            {t.departed}
          </button>
          <button type="button" class="big" data-event="pcr_result" data-result-value="negative">
            {t.pcrNeg}
          </button>
          <button
            type="button"
            class="big danger"
            data-event="pcr_result"
            data-result-value="positive"
          >
            {t.pcrPos}
          </button>
        </div>
        <p data-event-log aria-live="polite"></p>
      </section>
      <section aria-labelledby="camera-h">
        <h2 id="camera-h">{t.camera}</h2>
        <video data-video playsinline muted hidden aria-label={t.camera}></video>
        <canvas data-canvas hidden></canvas>
        <div class="row">
          <button type="button" class="big" data-start-camera>
            {t.startCamera}
          </button>
          <button type="button" class="big secondary" data-stop-camera hidden>
            {t.stopCamera}
          </button>
        </div>
      </section>
      <section aria-labelledby="typed-h">
        <h2 id="typed-h">{t.typed}</h2>
        <form data-typed class="row">
          <div>
            <label for="typed-input">{t.typedHint}</label>
            <input id="typed-input" name="typed" autocomplete="off" data-typed-input />
          </div>
          <div>
            <label for="observed-plate">{t.observedPlate}</label>
            <input
              id="observed-plate"
              name="observed_plate"
              autocomplete="off"
              data-observed-plate
            />
          </div>
          <div style="flex:0 0 auto">
            <button type="submit" class="big">
              {t.lookUp}
            </button>
          </div>
        </form>
      </section>
    </Layout>
  )
}

export async function arrivalsPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const now = deps.clock()
  const codes = ctx.principal!.checkpointCodes
  // Their checkpoints' reports whose window ended at most two days ago, soonest first.
  const rows = await listArrivalReports(deps.store.db, {
    checkpoints: codes,
    from: new Date(now.getTime() - 48 * 3600_000),
    now,
    limit: 300,
  })
  return (
    <Layout ctx={ctx} title="报备 / Arrivals">
      <h1>报备 / Expected arrivals</h1>
      <Table
        label="arrivals"
        empty={t.none}
        head={[t.plate, t.checkpoint, t.validity, t.status, t.crew]}
        rows={rows.map((row) => {
          const r = reportView(row, now)
          return [
            r.plate,
            r.checkpoint_code,
            `${r.expected_from.slice(0, 16)} – ${r.expected_until.slice(0, 16)}`,
            <span class="badge">
              {words(ctx.lang, r.status)}
              {r.reported_late ? ' ⚠' : ''}
            </span>,
            r.crew.map((m) => m.name).join('、'),
          ]
        })}
      />
    </Layout>
  )
}
