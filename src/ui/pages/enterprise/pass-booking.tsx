import type { Deps } from '../../../app-env.ts'
import type { StationRow } from '../../../stations/stations.table.ts'
import { bookingsOfEnterprise, slotsWithBookings } from '../../../stations/bookings.repository.ts'
import { chinaDate } from '../../../stations/slots.ts'
import { arrivalSlotOfPass } from '../../../applications/applications.repository.ts'
import { MESSAGES, type Messages } from '../../i18n.ts'
import { chinaTime } from '../../format.ts'
import type { PageContext } from '../../layout.tsx'
import { fill } from '../coordinator/shown.tsx'
import { Data } from './shown.tsx'

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** `2026-11-30 18:00–19:00` in China time. */
const slotText = (slot: { starts_at: string; ends_at: string }) =>
  `${chinaTime(slot.starts_at)}–${chinaTime(slot.ends_at).slice(11)}`

function noticeText(t: Messages, notice: string): string {
  const key = `bookingNotice_${notice}` as keyof Messages
  return typeof t[key] === 'string' ? (t[key] as string) : t.bookingNoticeOther
}

/**
 * The pass page's "book an arrival slot" (issue 20): for the firm's own pass bound for a transfer
 * station, its booking (and any notice about it), the chosen day's slots with room (`?slot_date=`,
 * default today in China), and forms to book, move or cancel through the generic form script.
 */
export async function PassBooking(props: {
  deps: Deps
  ctx: PageContext
  pass: { number: string; status: string }
  station: StationRow | undefined
}) {
  const { deps, ctx, pass, station } = props
  const principal = ctx.principal
  if (!principal || principal.role !== 'enterprise' || !principal.enterpriseId || !station)
    return null
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const now = deps.clock()
  const today = chinaDate(now)
  const day = new URLSearchParams(ctx.search ?? '').get('slot_date') ?? ''
  const date = DAY.test(day) && !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) ? day : today
  const ofPass = await bookingsOfEnterprise(db, principal.enterpriseId, now, {
    pass_number: pass.number,
  })
  const [booking] = ofPass.filter((b) => b.status === 'booked')
  // The application asked for a slot, yet the pass has no booking: it was full (or had started) at approval.
  const askedUnbooked = !!(await arrivalSlotOfPass(db, pass.number)) && ofPass.length === 0
  const open = station.is_open === 1
  const closedReason = (station as StationRow & { closed_reason?: string | null }).closed_reason
  const at = now.toISOString()
  const slots = (await slotsWithBookings(db, station, date)).filter(
    (slot) => slot.starts_at > at && slot.booked < slot.capacity,
  )
  const canBook = open && pass.status === 'active'
  return (
    <section class="no-print" data-booking aria-labelledby="booking-title">
      <h2 id="booking-title">{t.bookingTitle}</h2>
      <p class="hint">{t.bookingIntro}</p>
      {open ? null : (
        <p class="notice" role="status" data-booking-closed>
          {closedReason
            ? fill(t.bookingStationClosedWhy, { reason: closedReason })
            : t.bookingStationClosed}
        </p>
      )}
      {askedUnbooked ? (
        <p class="notice" role="status" data-booking-asked-unbooked>
          {t.bookingAskedUnbooked}
        </p>
      ) : null}
      {booking ? (
        <>
          <p data-booking-current={booking.id}>
            <strong>{fill(t.bookingCurrent, { time: slotText(booking) })}</strong>
          </p>
          {booking.notice ? (
            <p class="notice" data-booking-notice>
              {noticeText(t, booking.notice)}
            </p>
          ) : null}
        </>
      ) : (
        <p data-booking-none>{t.bookingNone}</p>
      )}
      {pass.status === 'active' ? null : <p data-booking-inactive>{t.bookingPassNotActive}</p>}
      {canBook ? (
        <>
          <form method="get" action={ctx.path} class="row" data-booking-day>
            <div class="field">
              <label for="booking-date">{t.bookingDate}</label>
              <input id="booking-date" type="date" name="slot_date" value={date} min={today} />
            </div>
            <div style="flex:0 0 auto">
              <button type="submit">{t.bookingShowSlots}</button>
            </div>
          </form>
          {slots.length === 0 ? (
            <p data-booking-no-slots>{t.bookingNoSlots}</p>
          ) : (
            <form
              data-api={
                booking ? '/api/v1/bookings/{id}' : `/api/v1/stations/${station.code}/bookings`
              }
              data-method={booking ? 'PATCH' : 'POST'}
              data-reload
              data-done={booking ? t.bookingMoved : t.bookingBooked}
              class="row"
              data-booking-form
            >
              <div class="errors" role="alert" tabindex={-1} data-errors></div>
              {booking ? (
                <input type="hidden" name="_path.id" value={booking.id} />
              ) : (
                <input type="hidden" name="pass_number" value={pass.number} />
              )}
              <div class="field" data-field="starts_at">
                <label for="booking-slot">{t.bookingSlot}</label>
                <select id="booking-slot" name="starts_at" required>
                  {slots.map((slot) => (
                    <option value={slot.starts_at}>
                      {`${slotText(slot)} · ${fill(t.bookingRoomLeft, { n: slot.capacity - slot.booked })}`}
                    </option>
                  ))}
                </select>
              </div>
              <div style="flex:0 0 auto">
                <button type="submit">{booking ? t.bookingMove : t.bookingBook}</button>
              </div>
            </form>
          )}
        </>
      ) : null}
      {booking ? (
        <form
          data-api="/api/v1/bookings/{id}/cancel"
          data-method="POST"
          data-confirm={t.bookingCancelConfirm}
          data-reload
          data-done={t.bookingCancelled}
          class="row"
          data-booking-cancel
        >
          <div class="errors" role="alert" tabindex={-1} data-errors></div>
          <input type="hidden" name="_path.id" value={booking.id} />
          <button type="submit" class="danger">
            {t.bookingCancel}
          </button>
        </form>
      ) : null}
      <p class="hint">
        <Data>{station.name}</Data>
      </p>
    </section>
  )
}
