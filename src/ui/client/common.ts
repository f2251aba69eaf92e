// Shared by the page scripts (bundled for the browser by scripts/build-ui.ts).

export interface I18n {
  lang: 'zh' | 'en'
  t: Record<string, string>
  words: Record<string, string>
}

export const i18n: I18n = JSON.parse(document.getElementById('tx-i18n')?.textContent ?? '{"lang":"zh","t":{},"words":{}}')
export const word = (code: string) => i18n.words[code] ?? code.replaceAll('_', ' ')

export interface ApiAnswer {
  ok: boolean
  status: number
  json: any
}

/** Calls the JSON API with the session cookie; writes carry the header that proves same-site. */
export async function api(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'x-tongxing-csrf': '1', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  let json: any = null
  try {
    json = await res.json()
  } catch {
    json = null
  }
  return { ok: res.ok, status: res.status, json }
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string> = {}, ...children: (Node | string)[]) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) node.setAttribute(k, v)
  node.append(...children)
  return node
}
