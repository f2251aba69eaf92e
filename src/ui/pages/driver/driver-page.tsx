import { Hono, type Context } from 'hono'
import { raw } from 'hono/html'
import type { Child } from 'hono/jsx'
import type { AppEnv, Deps } from '../../../app-env.ts'
import { cspHash, pagePolicy } from '../../../http/security-headers.ts'
import { findStation } from '../../../stations/stations.repository.ts'
import { STYLES } from '../../styles.ts'
import { chinaTime } from '../../format.ts'
import { MESSAGES, type Lang, type Messages } from '../../i18n.ts'
import { loadPlaces, type Places } from '../../place-names.tsx'
import { verifyDriverToken } from '../../../passes/driver-link.ts'
import { maskedCrewNames, readDriverFacts } from '../../../drivers/driver-facts.ts'
import { maskPlate } from '../../../drivers/mask-plate.ts'
import { driverNextStep, type DriverNextStep } from '../../../drivers/next-step.ts'

/** The driver page's own few rules, on top of the site's stylesheet: one column, large text. */
const DRIVER_STYLES = `
main.driver { max-width:32rem; }
.driver .next { border:3px solid var(--accent); }
.driver .next.stop { border-color:var(--bad); background:var(--badbg); }
.driver .next p { font-size:1.3rem; font-weight:700; margin:.2rem 0; }
.driver dl.facts { grid-template-columns:minmax(4.5rem, max-content) 1fr; }
.driver dl.facts dd { overflow-wrap:anywhere; }
`

/** Steps that end the trip on this pass: the page says so and shows nothing of the trip. */
const STOPPED = new Set(['pass_revoked', 'pass_superseded', 'pass_expired'])

/**
 * `GET /d/{token}`: the driver's page, no sign-in (DOMAIN.md: "The driver has no account"). The
 * token is the signed pass number (driver-link.ts); anything else is one friendly 404 page. It
 * shows the pass, the newest loop's state, the result, the next step with its deadline and the
 * time left on the last negative test — the plate and crew names masked, never an ID number or a
 * phone. Chinese unless `?lang=en`; refreshes itself every minute; never cached, indexed or
 * referred onwards (the address is the credential).
 */
export function driverRoutes(deps: Deps) {
  const app = new Hono<AppEnv>()
  const policy = Promise.all([cspHash(STYLES), cspHash(DRIVER_STYLES)]).then(pagePolicy)

  async function answer(c: Context<AppEnv>, status: 200 | 404, body: unknown) {
    c.header('Content-Security-Policy', await policy)
    c.header('Cache-Control', 'no-store')
    c.header('Referrer-Policy', 'no-referrer')
    c.header('X-Robots-Tag', 'noindex, nofollow')
    return c.html(body as string, status)
  }

  app.get('/d/:token', async (c) => {
    const lang: Lang = c.req.query('lang') === 'en' ? 'en' : 'zh'
    const token = c.req.param('token')
    const number = await verifyDriverToken(deps.config.TOKEN_SECRET, token)
    const now = deps.clock()
    const read = number ? await readDriverFacts(deps.store.db, number, now) : undefined
    if (!read) return answer(c, 404, <NotFound lang={lang} now={now} />)
    const { pass, loop, facts } = read
    const next = driverNextStep(facts, now)
    if (STOPPED.has(next.step))
      return answer(
        c,
        200,
        <Page lang={lang} now={now}>
          <PassNumber lang={lang} number={pass.number} />
          <NextStep lang={lang} next={next} place={null} now={now} stop />
        </Page>,
      )
    const [places, station, crew] = await Promise.all([
      loadPlaces(deps, lang, [pass.destination_region_code]),
      pass.destination_station_code
        ? findStation(deps.store.db, pass.destination_station_code)
        : undefined,
      maskedCrewNames(deps.store.db, pass.application_id),
    ])
    const t = MESSAGES[lang]
    // Where the driver is bound: the release destination once released, else the pass's own.
    const bound = loop?.destination_code ?? pass.destination_station_code
    const place = bound ? places.place(bound) : places.regionName(pass.destination_region_code)
    const result = facts.loop?.result ?? null
    return answer(
      c,
      200,
      <Page lang={lang} now={now} refresh>
        <PassNumber lang={lang} number={pass.number} />
        <NextStep
          lang={lang}
          next={next}
          place={place}
          now={now}
          stop={next.step === 'stay_in_cab'}
        />
        <section class="card" aria-labelledby="driver-test">
          <h2 id="driver-test">{t.driverTestTitle}</h2>
          <p data-driver-result={result ?? 'none'}>{t[`driverResult_${result ?? 'none'}`]}</p>
          {next.negative ? (
            <p data-driver-negative={next.negative.over ? 'over' : next.negative.hours}>
              {next.negative.over
                ? t.driverNegativeOver
                : fill(
                    next.negative.hours === 0 ? t.driverNegativeUnderHour : t.driverNegativeLeft,
                    { h: String(next.negative.hours), time: timeShown(next.negative.until, now) },
                  )}
            </p>
          ) : null}
        </section>
        <section class="card" aria-labelledby="driver-trip">
          <h2 id="driver-trip">{t.driverTripTitle}</h2>
          <dl class="facts">
            <dt>{t.driverLoopState}</dt>
            <dd data-driver-state={loop?.state ?? 'none'}>
              {t[`driverState_${loop?.state ?? 'none'}`]}
            </dd>
            <dt>{t.driverPlate}</dt>
            <dd>
              <span class="data" lang="zh-CN" data-driver-plate>
                {maskPlate(pass.plate)}
              </span>
            </dd>
            <dt>{t.driverValidity}</dt>
            <dd>{`${chinaTime(pass.valid_from)} – ${chinaTime(pass.valid_until)}`}</dd>
            <dt>{t.driverRoute}</dt>
            <dd>
              <span class="data">{pass.route}</span>
            </dd>
            <dt>{t.driverDestination}</dt>
            <dd>
              <Destination
                places={places}
                regionCode={pass.destination_region_code}
                stationName={station?.name}
                address={station?.address ?? pass.destination_address}
              />
            </dd>
            <dt>{t.driverCrew}</dt>
            <dd data-driver-crew>
              {crew.map((name) => (
                <div class="data" lang="zh-CN">
                  {name}
                </div>
              ))}
            </dd>
          </dl>
        </section>
        <p class="hint">{t.driverPrivacyNote}</p>
      </Page>,
    )
  })

  // `/d` and `/d/` with nothing, or more path after a token: the same friendly 404.
  for (const path of ['/d', '/d/', '/d/*'])
    app.get(path, (c) =>
      answer(
        c,
        404,
        <NotFound lang={c.req.query('lang') === 'en' ? 'en' : 'zh'} now={deps.clock()} />,
      ),
    )
  return app
}

/** `{name}` placeholders filled in. */
const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{(\w+)\}/g, (all, name: string) => values[name] ?? all)

/** A time in China time: `18:00` today, else `2026-12-04 18:00`. */
export function timeShown(iso: string, now: Date): string {
  const at = chinaTime(iso)
  return at.slice(0, 10) === chinaTime(now.toISOString()).slice(0, 10) ? at.slice(11) : at
}

function Page(props: { lang: Lang; now: Date; refresh?: boolean; children: Child }) {
  const t = MESSAGES[props.lang]
  const other: Lang = props.lang === 'zh' ? 'en' : 'zh'
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={props.lang === 'zh' ? 'zh-CN' : 'en'}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <meta name="robots" content="noindex, nofollow" />
          {props.refresh ? <meta http-equiv="refresh" content="60" /> : null}
          <title>{`${t.driverTitle} · ${t.short}`}</title>
          <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
          <style>{raw(STYLES)}</style>
          <style>{raw(DRIVER_STYLES)}</style>
        </head>
        <body>
          <header class="top">
            <span class="brand">{t.driverBrand}</span>
            <div class="account">
              <a href={`?lang=${other}`} lang={other === 'zh' ? 'zh-CN' : 'en'} data-driver-lang>
                {t.switchLang}
              </a>
            </div>
          </header>
          <main id="main" class="driver">
            {props.children}
            {props.refresh ? (
              <p class="hint" data-driver-updated>
                {fill(t.driverRefreshNote, { time: chinaTime(props.now.toISOString()).slice(11) })}
              </p>
            ) : null}
          </main>
        </body>
      </html>
    </>
  )
}

function PassNumber(props: { lang: Lang; number: string }) {
  const t = MESSAGES[props.lang]
  return (
    <h1>
      {t.driverPassNumber} <span data-driver-number>{props.number}</span>
    </h1>
  )
}

/** The one sentence: what to do now, by when and where (the place's name is data). */
function NextStep(props: {
  lang: Lang
  next: DriverNextStep
  place: string | null
  now: Date
  stop?: boolean
}) {
  const t = MESSAGES[props.lang]
  const text = t[`driverStep_${props.next.step}` as keyof Messages]
  const withTime = fill(text, {
    time: props.next.deadline ? timeShown(props.next.deadline, props.now) : '',
  })
  const [before, after] = withTime.split('{place}')
  return (
    <section
      class={props.stop ? 'card next stop' : 'card next'}
      aria-labelledby="driver-next"
      role="status"
    >
      <h2 id="driver-next">{t.driverNextTitle}</h2>
      <p data-driver-step={props.next.step}>
        {before}
        {after !== undefined ? (
          <>
            <span class="data" lang="zh-CN">
              {props.place ?? ''}
            </span>
            {after}
          </>
        ) : null}
      </p>
    </section>
  )
}

function Destination(props: {
  places: Places
  regionCode: string
  stationName: string | undefined
  address: string | null | undefined
}) {
  return (
    <>
      <div class="data" lang="zh-CN">
        {props.stationName ?? props.places.regionName(props.regionCode)}
      </div>
      {props.address ? (
        <div class="data" lang="zh-CN">
          {props.address}
        </div>
      ) : null}
    </>
  )
}

function NotFound(props: { lang: Lang; now: Date }) {
  const t = MESSAGES[props.lang]
  return (
    <Page lang={props.lang} now={props.now}>
      <h1>{t.driverNotFoundTitle}</h1>
      <p>{t.driverNotFoundText}</p>
    </Page>
  )
}
