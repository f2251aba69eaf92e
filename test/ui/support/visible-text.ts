/**
 * The text a person sees on a server-rendered page, piece by piece: text between tags and the
 * attributes a browser shows or reads out (placeholder, aria-label, title, alt, a button's value).
 * Scripts, styles and templates are not text. Anything inside an element marked as data — class
 * `data`, a `<code>`, or a `lang` other than the page's (`lang="zh-CN"` on an English page) — is
 * flagged `data`: names, plates and codes shown as secondary text are data, not words of ours.
 */
export interface VisibleText {
  text: string
  /** Where it stood: the innermost element, e.g. `td`, `button[aria-label]`. */
  where: string
  /** Inside an element marked as data. */
  data: boolean
}

const VOID = new Set([
  'area',
  'base',
  'br',
  'col',
  'embed',
  'hr',
  'img',
  'input',
  'link',
  'meta',
  'source',
  'track',
  'wbr',
])
const NOT_TEXT = new Set(['script', 'style', 'template', 'noscript'])
const SHOWN_ATTRIBUTES = ['placeholder', 'aria-label', 'title', 'alt']

export function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
}

function attributesOf(source: string): Map<string, string> {
  const attributes = new Map<string, string>()
  for (const m of source.matchAll(/([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g))
    attributes.set(m[1]!.toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''))
  return attributes
}

interface Open {
  tag: string
  data: boolean
}

/** The visible text of `html`, a page rendered in `pageLang` (`zh` or `en`). */
export function visibleText(html: string, pageLang: 'zh' | 'en'): VisibleText[] {
  const found: VisibleText[] = []
  const stack: Open[] = []
  const pageLangTag = pageLang === 'zh' ? 'zh' : 'en'
  const inData = () => stack.some((o) => o.data)
  const push = (text: string, where: string) => {
    const clean = decodeEntities(text).replace(/\s+/g, ' ').trim()
    if (clean) found.push({ text: clean, where, data: inData() })
  }
  const tagPattern =
    /<!--[\s\S]*?-->|<!doctype[^>]*>|<(\/?)([a-zA-Z][\w-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>/gi
  let last = 0
  for (const m of html.matchAll(tagPattern)) {
    const top = stack.at(-1)
    if (!top || !NOT_TEXT.has(top.tag)) push(html.slice(last, m.index), top?.tag ?? 'body')
    last = m.index! + m[0].length
    if (!m[2]) continue // comment or doctype
    const tag = m[2].toLowerCase()
    // Inside a script or style only its own end tag counts.
    if (top && NOT_TEXT.has(top.tag) && !(m[1] && tag === top.tag)) continue
    if (m[1]) {
      // Close the nearest open element of this name (and whatever was left open inside it).
      const at = stack.map((o) => o.tag).lastIndexOf(tag)
      if (at >= 0) stack.length = at
      continue
    }
    const attributes = attributesOf(m[3] ?? '')
    const classes = (attributes.get('class') ?? '').split(/\s+/)
    const lang = attributes.get('lang')
    const data =
      classes.includes('data') ||
      tag === 'code' ||
      (lang !== undefined && tag !== 'html' && !lang.toLowerCase().startsWith(pageLangTag))
    const open = { tag, data }
    stack.push(open)
    for (const name of SHOWN_ATTRIBUTES) {
      const value = attributes.get(name)
      if (value) push(value, `${tag}[${name}]`)
    }
    const type = attributes.get('type')
    if (
      attributes.has('value') &&
      (tag === 'button' || (tag === 'input' && (type === 'submit' || type === 'button')))
    )
      push(attributes.get('value')!, `${tag}[value]`)
    if (VOID.has(tag) || /\/\s*$/.test(m[3] ?? '')) stack.pop()
  }
  push(html.slice(last), 'body')
  return found
}
