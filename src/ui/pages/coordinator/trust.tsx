import type { Deps } from '../../../app-env.ts'
import { listTrustedIssuers } from '../../../trust/trusted-issuers.repository.ts'
import { loadSigningKeys } from '../../../trust/signing-keys.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES } from '../../i18n.ts'
import { Actor, Data, fill } from './shown.tsx'
import { FormErrors } from './admin-forms.tsx'

/** A key id as the JWKS spells it. */
const Kid = (props: { kid: string }) => <code class="data">{props.kid}</code>

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
      <Table
        label={t.trustedIssuers}
        empty={t.none}
        head={[t.issuerName, t.code, t.keyIds, t.addedBy, t.addedAt, ...(isAdmin ? [''] : [])]}
        rows={issuers.map((i) => [
          <Data>{i.name}</Data>,
          <span class="data">{i.issuer_code}</span>,
          <>
            {i.jwks.keys.map((k, n) => (
              <>
                {n > 0 ? ' ' : ''}
                <Kid kid={k.kid} />
              </>
            ))}
          </>,
          <Actor lang={ctx.lang} actor={i.added_by} />,
          chinaTime(i.added_at),
          ...(isAdmin
            ? [
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
                </form>,
              ]
            : []),
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
            <div class="row">
              <div class="field" data-field="issuer_code">
                <label for="ti-code">{t.issuerCode}</label>
                <input
                  id="ti-code"
                  name="issuer_code"
                  required
                  inputmode="numeric"
                  pattern="\d{6}"
                  maxlength={6}
                />
              </div>
              <div class="field" data-field="name">
                <label for="ti-name">{t.issuerName}</label>
                <input id="ti-name" name="name" required maxlength={100} />
              </div>
            </div>
            {/* One Ed25519 public key (a JWK's kid and x); the constant members go as they are. */}
            <input type="hidden" name="jwks.keys.0.kty" value="OKP" />
            <input type="hidden" name="jwks.keys.0.crv" value="Ed25519" />
            <div class="row">
              <div class="field" data-field="jwks.keys.0.kid">
                <label for="ti-kid">{t.keyId}</label>
                <input id="ti-kid" name="jwks.keys.0.kid" required maxlength={64} />
              </div>
              <div class="field" data-field="jwks.keys.0.x">
                <label for="ti-x">{t.keyX}</label>
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
        </>
      ) : (
        <p class="notice">{t.trustAdminOnly}</p>
      )}
    </Layout>
  )
}
