import type { Deps } from '../../../app-env.ts'
import { listTrustedIssuers } from '../../../trust/trusted-issuers.repository.ts'
import { loadSigningKeys } from '../../../trust/signing-keys.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words, type Lang } from '../../i18n.ts'
import { Actor, Data, Fill, fill } from './shown.tsx'
import { FormErrors } from './admin-forms.tsx'

/** A key id as the JWKS spells it. */
const Kid = (props: { kid: string }) => <code class="data">{props.kid}</code>

type Issuer = Awaited<ReturnType<typeof listTrustedIssuers>>[number]

/** How long ago, in words: 刚刚, 3 分钟前, 2 小时前, 4 天前. */
function agoText(lang: Lang, iso: string, now: Date): string {
  const t = MESSAGES[lang]
  const seconds = Math.max(0, (now.getTime() - Date.parse(iso)) / 1000)
  if (seconds < 60) return t.justNow
  if (seconds < 3600) return fill(t.minutesAgo, { n: Math.floor(seconds / 60) })
  if (seconds < 86_400) return fill(t.hoursAgo, { n: Math.floor(seconds / 3600) })
  return fill(t.daysAgo, { n: Math.floor(seconds / 86_400) })
}

/** Where the issuer's keys and list are fetched from (trust/refresh-issuers.ts). */
function Sources(props: { lang: Lang; issuer: Issuer }) {
  const t = MESSAGES[props.lang]
  const { jwks_url, status_list_url } = props.issuer
  if (!jwks_url && !status_list_url) return <span class="hint">{t.noAddresses}</span>
  return (
    <>
      {jwks_url ? (
        <div>
          {t.jwksUrl}: <Address url={jwks_url} />
        </div>
      ) : null}
      {status_list_url ? (
        <div>
          {t.statusListUrl}: <Address url={status_list_url} />
        </div>
      ) : null}
    </>
  )
}

/** An address by its host, the whole of it on hover (and in full in the edit form below). */
function Address(props: { url: string }) {
  let host = props.url
  try {
    host = new URL(props.url).host
  } catch {
    // Stored addresses were checked as URLs; shown as they are otherwise.
  }
  return (
    <code class="data" title={props.url}>
      {host}
    </code>
  )
}

/** Whether fetching works: the last refresh's problems in words, since when, whether alerted. */
function FetchState(props: { lang: Lang; issuer: Issuer }) {
  const t = MESSAGES[props.lang]
  const i = props.issuer
  if (!i.jwks_url && !i.status_list_url) return null
  if (i.failures === 0 && i.problems.length === 0)
    return <span data-fetch-state="ok">{i.fetched_at ? t.fetchOk : t.fetchNever}</span>
  return (
    <div data-fetch-state="failing">
      <span class="badge status-open">{t.fetchFailing}</span>
      {i.problems.map((p) => (
        <div>{words(props.lang, p)}</div>
      ))}
      {i.failing_since ? (
        <div class="hint">
          {fill(t.failingSinceShown, { at: chinaTime(i.failing_since), n: i.failures })}
        </div>
      ) : null}
      {i.alert_opened_at ? (
        <div class="hint">{fill(t.alertedAtShown, { at: chinaTime(i.alert_opened_at) })}</div>
      ) : null}
    </div>
  )
}

/** An admin's controls for one issuer: take a replaced key set, remove it. */
function IssuerActions(props: { lang: Lang; issuer: Issuer }) {
  const t = MESSAGES[props.lang]
  const i = props.issuer
  const keysRefused =
    i.problems.includes('jwks_replaced') || i.problems.includes('jwks_key_changed')
  return (
    <>
      {keysRefused ? (
        <form
          data-api={`/api/v1/trust/issuers/${i.issuer_code}`}
          data-method="PATCH"
          data-confirm={fill(t.confirmKeysConfirm, { name: i.name })}
          data-done={fill(t.keysConfirmed, { name: i.name })}
        >
          <FormErrors />
          <input type="hidden" name="confirm_fetched_jwks" value="true" data-type="boolean" />
          <button type="submit">{t.confirmKeys}</button>
        </form>
      ) : null}
      <form
        data-api={`/api/v1/trust/issuers/${i.issuer_code}`}
        data-method="DELETE"
        data-confirm={fill(t.removeIssuerConfirm, { name: i.name })}
        data-done={t.issuerRemoved}
      >
        <FormErrors />
        <button type="submit" class="danger">
          {t.removeIssuer}
        </button>
      </form>
    </>
  )
}

/** The two address fields of the add and change forms. */
function AddressFields(props: { lang: Lang; id: string; issuer?: Issuer; jwksRequired?: boolean }) {
  const t = MESSAGES[props.lang]
  return (
    <div class="row">
      <div class="field" data-field="jwks_url">
        <label for={`${props.id}-jwks`}>{t.jwksUrl}</label>
        <input
          id={`${props.id}-jwks`}
          name="jwks_url"
          type="url"
          required={props.jwksRequired}
          maxlength={2000}
          spellcheck={false}
          autocomplete="off"
          value={props.issuer?.jwks_url ?? undefined}
        />
      </div>
      <div class="field" data-field="status_list_url">
        <label for={`${props.id}-list`}>{t.statusListUrl}</label>
        <input
          id={`${props.id}-list`}
          name="status_list_url"
          type="url"
          maxlength={2000}
          spellcheck={false}
          autocomplete="off"
          value={props.issuer?.status_list_url ?? undefined}
        />
      </div>
    </div>
  )
}

/**
 * The trust list: whose passes verify here, and our own key ids (what another deployment adds to
 * trust ours). Coordinators read it; only admins add or remove issuers (the API says the same).
 */
export async function trustPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const [issuers, keys] = await Promise.all([
    listTrustedIssuers(deps.store.db),
    loadSigningKeys(deps.config.SIGNING_KEYS),
  ])
  const isAdmin = ctx.principal?.role === 'admin'
  const now = deps.clock()
  return (
    <Layout ctx={ctx} title={t.navTrust}>
      <h1>{t.navTrust}</h1>
      <h2>{t.ownKeys}</h2>
      <p>
        {t.ownKeysIntro} <code>/.well-known/jwks.json</code>
      </p>
      <p>{fill(t.ownIssuerCode, { code: deps.config.ISSUER_CODE })}</p>
      <ul data-own-keys>
        {keys.all.map((k) => (
          <li>
            <Kid kid={k.kid} /> ·{' '}
            {k.kid === keys.current.kid ? (
              <span class="badge">{t.currentKey}</span>
            ) : (
              <span class="hint">{t.olderKey}</span>
            )}
          </li>
        ))}
      </ul>

      <h2>{t.trustedIssuers}</h2>
      <p>{t.trustIntro}</p>
      <p class="hint">{t.timesInChina}</p>
      <p class="hint">{t.keepsLastCopy}</p>
      <Table
        label={t.trustedIssuers}
        empty={t.none}
        head={[
          t.issuerName,
          t.code,
          t.keyIds,
          t.trustSources,
          t.listFetchedAt,
          t.listVersion,
          t.fetchState,
          t.addedBy,
          t.addedAt,
          ...(isAdmin ? [''] : []),
        ]}
        rows={issuers.map((i) => [
          <Data nowrap>{i.name}</Data>,
          <span class="data">{i.issuer_code}</span>,
          <>
            {i.jwks.keys.map((k, n) => (
              <>
                {n > 0 ? ' ' : ''}
                <Kid kid={k.kid} />
              </>
            ))}
          </>,
          <Sources lang={ctx.lang} issuer={i} />,
          i.fetched_at ? (
            <span data-fetched-at={i.fetched_at}>
              {agoText(ctx.lang, i.fetched_at, now)}{' '}
              <small class="hint">{chinaTime(i.fetched_at)}</small>
            </span>
          ) : (
            ''
          ),
          i.status_list_version === null ? '' : <span class="data">{i.status_list_version}</span>,
          <FetchState lang={ctx.lang} issuer={i} />,
          <Actor lang={ctx.lang} actor={i.added_by} />,
          chinaTime(i.added_at),
          ...(isAdmin ? [<IssuerActions lang={ctx.lang} issuer={i} />] : []),
        ])}
      />

      {isAdmin ? (
        <>
          <h2 id="add-issuer">{t.addIssuer}</h2>
          <form
            data-api="/api/v1/trust/issuers"
            data-method="POST"
            data-confirm={t.addIssuerConfirm}
            data-done={t.issuerAdded}
            aria-labelledby="add-issuer"
          >
            <FormErrors />
            <IssuerIdentityFields lang={ctx.lang} id="ti" />
            {/* One Ed25519 public key (a JWK's kid and x); the constant members go as they are. */}
            <input type="hidden" name="jwks.keys.0.kty" value="OKP" />
            <input type="hidden" name="jwks.keys.0.crv" value="Ed25519" />
            <div class="row">
              <div class="field" data-field="jwks.keys.0.kid">
                <label for="ti-kid">
                  {t.keyId} <code>kid</code>
                </label>
                <input id="ti-kid" name="jwks.keys.0.kid" required maxlength={64} />
              </div>
              <div class="field" data-field="jwks.keys.0.x">
                <label for="ti-x">
                  {t.keyX} <code>x</code>
                </label>
                <input
                  id="ti-x"
                  name="jwks.keys.0.x"
                  required
                  minlength={43}
                  maxlength={43}
                  spellcheck={false}
                  autocomplete="off"
                />
              </div>
            </div>
            <p>
              <button type="submit">{t.addIssuer}</button>
            </p>
          </form>

          <h2 id="add-issuer-url">{t.addIssuerByAddress}</h2>
          <p>
            {t.addByAddressIntro} <code>https://tx.example.cn/.well-known/jwks.json</code>{' '}
            <code>https://tx.example.cn/api/v1/trust/status-list</code>
          </p>
          <form
            data-api="/api/v1/trust/issuers"
            data-method="POST"
            data-confirm={t.addIssuerByAddressConfirm}
            data-done={t.issuerAdded}
            aria-labelledby="add-issuer-url"
          >
            <FormErrors />
            <IssuerIdentityFields lang={ctx.lang} id="tu" />
            <AddressFields lang={ctx.lang} id="tu" jwksRequired />
            <p>
              <button type="submit">{t.addIssuer}</button>
            </p>
          </form>

          {issuers.map((i) => (
            <details data-addresses={i.issuer_code}>
              <summary>
                <Fill template={t.addressesOf} values={{ name: <Data>{i.name}</Data> }} />
              </summary>
              <form
                data-api={`/api/v1/trust/issuers/${i.issuer_code}`}
                data-method="PATCH"
                data-confirm={fill(t.addressesConfirm, { name: i.name })}
                data-done={fill(t.addressesSaved, { name: i.name })}
              >
                <FormErrors />
                <AddressFields lang={ctx.lang} id={`ta-${i.issuer_code}`} issuer={i} />
                <p>
                  <button type="submit">{t.saveAddresses}</button>
                </p>
              </form>
            </details>
          ))}
        </>
      ) : (
        <p class="notice">{t.trustAdminOnly}</p>
      )}
    </Layout>
  )
}

/** An issuer's code and name, as both ways of adding one ask for them. */
function IssuerIdentityFields(props: { lang: Lang; id: string }) {
  const t = MESSAGES[props.lang]
  return (
    <div class="row">
      <div class="field" data-field="issuer_code">
        <label for={`${props.id}-code`}>{t.issuerCode}</label>
        <input
          id={`${props.id}-code`}
          name="issuer_code"
          required
          inputmode="numeric"
          pattern="\d{6}"
          maxlength={6}
        />
      </div>
      <div class="field" data-field="name">
        <label for={`${props.id}-name`}>{t.issuerName}</label>
        <input id={`${props.id}-name`} name="name" required maxlength={100} />
      </div>
    </div>
  )
}
