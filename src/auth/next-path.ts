const BASE = 'http://same-site.invalid'

/**
 * Where the web sign-in may send the browser afterwards: a page of ours under `/ui`, and nothing
 * else. Control characters (header injection) and backslashes (which browsers read as `/`, so
 * `/ui\\evil` could become `//evil`) are refused before parsing, because the URL parser silently
 * drops tabs and line breaks. The answer is the parsed, re-encoded path, or null.
 */
export function safeNextPath(next: unknown): string | null {
  if (typeof next !== 'string' || next.length === 0 || next.length > 1024) return null
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(next) || !/^\/ui(?:[/?#]|$)/.test(next)) return null
  let url: URL
  try {
    url = new URL(next, BASE)
  } catch {
    return null
  }
  if (url.origin !== BASE || !/^\/ui(?:\/|$)/.test(url.pathname)) return null
  return `${url.pathname}${url.search}${url.hash}`
}
