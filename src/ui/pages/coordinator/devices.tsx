import type { Deps } from '../../../app-env.ts'
import { listCheckpoints } from '../../../checkpoints/checkpoints.repository.ts'
import {
  findDevice,
  listDeviceActivity,
  listDevices,
  type DeviceWithCounts,
} from '../../../devices/devices.repository.ts'
import { deviceView, type DeviceStatus } from '../../../devices/device-view.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words, type Lang } from '../../i18n.ts'
import { Actor, Data, Fill, Pager, fill, queryNumber } from './shown.tsx'
import { FormErrors } from './admin-forms.tsx'

const PAGE_SIZE = 50

type Device = ReturnType<typeof deviceView>
type CheckpointNames = Map<string, string>

const STATUS_KEYS = {
  pending: 'devStatusPending',
  active: 'devStatusActive',
  expired: 'devStatusExpired',
  revoked: 'devStatusRevoked',
} as const satisfies Record<DeviceStatus, string>

function Status(props: { lang: Lang; device: Device }) {
  const t = MESSAGES[props.lang]
  const d = props.device
  return (
    <>
      <span class="badge" data-device-status={d.status}>
        {t[STATUS_KEYS[d.status]]}
      </span>
      {d.revoked_at ? (
        <div class="hint">
          {chinaTime(d.revoked_at)} <Actor lang={props.lang} actor={d.revoked_by} />
          {d.revoke_reason ? (
            <>
              {' · '}
              <Data>{d.revoke_reason}</Data>
            </>
          ) : null}
        </div>
      ) : null}
    </>
  )
}

const Checkpoints = (props: { codes: string[]; names: CheckpointNames }) => (
  <Data>{props.codes.map((c) => props.names.get(c) ?? c).join('、')}</Data>
)

/**
 * Revoke an active device, or cancel a pending enrolment (its code stops working): the same API
 * call, worded for what it does. A reason is required; the question names the device.
 */
function RevokeForm(props: { lang: Lang; device: Device }) {
  const t = MESSAGES[props.lang]
  const d = props.device
  if (d.status !== 'active' && d.status !== 'pending') return null
  const cancel = d.status === 'pending'
  const id = `revoke-${d.id}`
  return (
    <details data-revoke={d.id}>
      <summary>{cancel ? t.devCancel : t.devRevoke}</summary>
      <form
        data-api={`/api/v1/devices/${encodeURIComponent(d.id)}/revoke`}
        data-method="POST"
        data-confirm={fill(cancel ? t.devCancelConfirm : t.devRevokeConfirm, { label: d.label })}
        data-done={cancel ? t.devCancelDone : t.devRevokeDone}
      >
        <FormErrors />
        <div class="field" data-field="reason">
          <label for={id}>{cancel ? t.devCancelReason : t.devRevokeReason}</label>
          <input id={id} name="reason" required maxlength={500} autocomplete="off" />
        </div>
        <p>
          <button type="submit" class="danger">
            {cancel ? t.devCancel : t.devRevoke}
          </button>
        </p>
      </form>
    </details>
  )
}

/**
 * The coordinator's scanner devices: enrol a phone (a one-time QR code, 10 minutes), every device
 * with its checkpoints, status, last contact and uploads, and revoke one (or cancel an enrolment).
 */
export async function devicesPage(
  deps: Deps,
  ctx: PageContext,
  query: Record<string, string | undefined>,
) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const now = deps.clock()
  const offset = queryNumber(query.offset, 0, 100_000)
  const [checkpoints, page] = await Promise.all([
    listCheckpoints(db, {}),
    listDevices(db, { now: now.toISOString() }, { limit: PAGE_SIZE, offset }),
  ])
  const names: CheckpointNames = new Map(checkpoints.map((c) => [c.code, c.name]))
  const devices = page.rows.map((row) => deviceView(row, now))
  return (
    <Layout ctx={ctx} title={t.devTitle}>
      <h1>{t.devTitle}</h1>
      <p>{t.devIntro}</p>

      <h2 id="enrol-h">{t.devEnrolTitle}</h2>
      <form
        data-api="/api/v1/devices/enrollments"
        data-method="POST"
        data-show="enrolment"
        data-done={t.devEnrolmentDone}
        aria-labelledby="enrol-h"
        data-enrol-form
      >
        <FormErrors />
        <div class="field" data-field="label">
          <label for="enrol-label">
            {t.devLabel} <span class="hint">{t.devLabelHint}</span>
          </label>
          <input id="enrol-label" name="label" required maxlength={100} autocomplete="off" />
        </div>
        <fieldset class="field" data-field="checkpoint_codes">
          <legend>{t.devCheckpoints}</legend>
          {checkpoints.map((c) => (
            <label class="choice" style="display:flex;align-items:center;gap:.6rem;margin:.4rem 0">
              <input
                type="checkbox"
                name="checkpoint_codes"
                value={c.code}
                data-list
                style="width:1.3rem;height:1.3rem;flex:none"
              />
              <span>
                <Data>{c.name}</Data> <small class="hint data">{c.code}</small>
              </span>
            </label>
          ))}
        </fieldset>
        <p>
          <button type="submit">{t.devCreateEnrolment}</button>
        </p>
      </form>

      <section
        data-answer-block="enrolment"
        hidden
        tabindex={-1}
        aria-labelledby="enrolment-h"
        class="notice"
      >
        <h2 id="enrolment-h">{t.devEnrolmentReady}</h2>
        <p>{t.devEnrolmentHowTo}</p>
        <img
          data-answer-image="qr_svg"
          alt={t.devQrAlt}
          width="280"
          height="280"
          style="background:#fff;padding:8px"
        />
        <p>
          {t.devCodeLabel}{' '}
          <strong
            class="data"
            data-answer="code"
            style="font-size:2rem;letter-spacing:0.15em;font-family:monospace"
          ></strong>
        </p>
        <p>
          {t.devExpiresAt} <span data-answer-time="expires_at"></span>{' '}
          <strong
            data-answer-countdown="expires_at"
            data-left={t.devTimeLeft}
            data-over={t.devCodeOver}
            aria-live="off"
          ></strong>
        </p>
        <p>
          <a class="button" href="/ui/devices">
            {t.devListRefresh}
          </a>
        </p>
      </section>

      <h2>{t.devList}</h2>
      <p class="hint">{t.timesInChina}</p>
      <Table
        label={t.devList}
        empty={t.none}
        head={[
          t.devLabel,
          t.devCheckpointsCol,
          t.status,
          t.devEnrolledAt,
          t.devLastSeen,
          t.devUploads,
          t.devReview,
          t.actions,
        ]}
        rows={devices.map((d) => [
          <span data-device-row={d.id}>
            <Data>{d.label}</Data>
            <div class="hint">
              <Actor lang={ctx.lang} actor={d.created_by} /> · {chinaTime(d.created_at)}
            </div>
          </span>,
          <Checkpoints codes={d.checkpoint_codes} names={names} />,
          <Status lang={ctx.lang} device={d} />,
          d.enrolled_at ? chinaTime(d.enrolled_at) : '',
          d.last_seen_at ? chinaTime(d.last_seen_at) : '',
          <span data-uploads>{d.uploads}</span>,
          d.review > 0 ? (
            <strong data-review>{d.review}</strong>
          ) : (
            <span data-review>{d.review}</span>
          ),
          <>
            <a href={`/ui/devices/${encodeURIComponent(d.id)}`}>{t.devActivity}</a>
            <RevokeForm lang={ctx.lang} device={d} />
          </>,
        ])}
      />
      <Pager
        lang={ctx.lang}
        path="/ui/devices"
        query={{}}
        offset={offset}
        limit={PAGE_SIZE}
        shown={devices.length}
        total={page.total}
      />
    </Layout>
  )
}

/** One device's scans and loop events, the last received first; those kept for review marked. */
export async function deviceActivityPage(
  deps: Deps,
  ctx: PageContext,
  id: string,
  query: Record<string, string | undefined>,
) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const row: DeviceWithCounts | undefined = await findDevice(db, id)
  if (!row) return null
  const device = deviceView(row, deps.clock())
  const offset = queryNumber(query.offset, 0, 100_000)
  const [checkpoints, activity] = await Promise.all([
    listCheckpoints(db, {}),
    listDeviceActivity(db, id, {}, { limit: PAGE_SIZE, offset }),
  ])
  const names: CheckpointNames = new Map(checkpoints.map((c) => [c.code, c.name]))
  return (
    <Layout ctx={ctx} title={fill(t.devActivityOf, { label: device.label })}>
      <p>
        <a href="/ui/devices">{t.devBackToList}</a>
      </p>
      <h1>
        <Fill template={t.devActivityOf} values={{ label: <Data>{device.label}</Data> }} />
      </h1>
      <p>
        <Checkpoints codes={device.checkpoint_codes} names={names} /> ·{' '}
        <Status lang={ctx.lang} device={device} />
      </p>
      <RevokeForm lang={ctx.lang} device={device} />
      <p>{t.devActivityIntro}</p>
      <p class="hint">{t.timesInChina}</p>
      <Table
        label={t.devActivity}
        empty={t.none}
        head={[
          t.devReceivedAt,
          t.devAt,
          t.devKind,
          t.devResult,
          t.devCheckpointCol,
          t.devRecordedBy,
          t.devLoop,
          t.devReview,
        ]}
        rows={activity.rows.map((a) => [
          <span data-activity={a.id} data-kind={a.kind}>
            {chinaTime(a.received_at)}
          </span>,
          chinaTime(a.at),
          a.kind === 'scan' ? t.devKindScan : t.devKindEvent,
          words(ctx.lang, a.summary),
          <>
            <Data>{names.get(a.checkpoint_code) ?? a.checkpoint_code}</Data>{' '}
            <small class="hint data">{a.checkpoint_code}</small>
          </>,
          <Actor lang={ctx.lang} actor={a.recorded_by} />,
          a.loop_id ? (
            <a href={`/ui/loops/${encodeURIComponent(a.loop_id)}`}>{t.devOpenLoop}</a>
          ) : (
            ''
          ),
          a.device_review ? (
            <strong data-device-review={a.device_review}>{words(ctx.lang, a.device_review)}</strong>
          ) : (
            ''
          ),
        ])}
      />
      <Pager
        lang={ctx.lang}
        path={`/ui/devices/${encodeURIComponent(device.id)}`}
        query={{}}
        offset={offset}
        limit={PAGE_SIZE}
        shown={activity.rows.length}
        total={activity.total}
      />
    </Layout>
  )
}
