import type { TestApp } from '../../support/test-app.ts'

export interface Operation {
  /** `METHOD /path/{param}` as the OpenAPI document spells the path. */
  key: string
  method: string
  path: string
  pathParams: string[]
  queryParams: { name: string; schema: Record<string, unknown> }[]
  hasBody: boolean
  /** Declares a bearer security requirement. */
  secured: boolean
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const

/** Every operation the served OpenAPI document lists. */
export async function documentedOperations(t: TestApp): Promise<Operation[]> {
  const res = await t.call('GET', '/api/openapi.json')
  if (res.status !== 200) throw new Error(`openapi.json: ${res.status}`)
  const operations: Operation[] = []
  for (const [path, item] of Object.entries<Record<string, any>>(res.json.paths)) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const parameters: { in: string; name: string; schema?: Record<string, unknown> }[] = [
        ...(item.parameters ?? []),
        ...(op.parameters ?? []),
      ]
      operations.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
        queryParams: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        // A JSON body: the fuzzing sends JSON. A file upload (`text/csv`) has its own tests.
        hasBody: Boolean(op.requestBody?.content?.['application/json']),
        secured: Array.isArray(op.security) && op.security.length > 0,
      })
    }
  }
  return operations
}

/** The path with each `{param}` replaced by `values[param]` (URL-encoded unless `raw`). */
export function fillPath(path: string, values: Record<string, string>, raw = false): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name]
    if (value === undefined) throw new Error(`no value for {${name}} in ${path}`)
    return raw ? value : encodeURIComponent(value)
  })
}

/** The API's one error shape. */
export function isErrorShape(json: unknown): boolean {
  if (typeof json !== 'object' || json === null) return false
  const error = (json as { error?: unknown }).error
  if (typeof error !== 'object' || error === null) return false
  const { code, message } = error as { code?: unknown; message?: unknown }
  return typeof code === 'string' && code.length > 0 && typeof message === 'string'
}
