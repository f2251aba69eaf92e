import { z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { sql, type SelectQueryBuilder } from 'kysely'

/**
 * Every list pages the same way: `limit` and `offset` in the query, the rows as a JSON array,
 * `X-Total-Count` (all the matches) and, while more remain, `Link: <…&offset=N>; rel="next"`.
 */
export type Page = { limit: number; offset: number }

/** The `limit` and `offset` query parameters; each list picks its default page size and its most. */
export function pageParams(size: { limit: number; max: number; maxOffset?: number }) {
  return {
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(size.max)
      .default(size.limit)
      .openapi({ description: `rows per page (default ${size.limit}, at most ${size.max})` }),
    offset: z.coerce
      .number()
      .int()
      .min(0)
      // A list read by walking an index reads every skipped row: such a list bounds the skip.
      .max(size.maxOffset ?? Number.MAX_SAFE_INTEGER)
      .default(0)
      .openapi({ description: 'rows to skip: follow `Link rel="next"`' }),
  }
}

/**
 * One page of `query` (filtered and ordered) and the count of all its matches: the same query
 * feeds both, so the total can never count by another filter. A short page needs no count.
 */
export async function readPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  page: Page,
): Promise<{ rows: O[]; total: number }> {
  const rows = await query.limit(page.limit).offset(page.offset).execute()
  if (rows.length < page.limit && (rows.length > 0 || page.offset === 0))
    return { rows, total: page.offset + rows.length }
  const counted = (await query
    .clearSelect()
    .clearOrderBy()
    .select(sql<number>`count(*)`.as('total'))
    .executeTakeFirst()) as { total: number | bigint } | undefined
  return { rows, total: Number(counted?.total ?? 0) }
}

/** The page's rows among `total`, for lists that hold their rows in memory (a few dozen at most). */
export function slicePage<T>(all: readonly T[], page: Page): { rows: T[]; total: number } {
  return { rows: all.slice(page.offset, page.offset + page.limit), total: all.length }
}

/**
 * The headers of a page: `X-Total-Count`, and `Link rel="next"` while rows remain after it. The link
 * is this request's path and query with the next `offset`, every other parameter kept.
 */
export function pageHeaders(c: Context, page: Page, total: number): Record<string, string> {
  const headers: Record<string, string> = { 'X-Total-Count': String(total) }
  const next = page.offset + page.limit
  if (next < total) {
    const url = new URL(c.req.url)
    url.searchParams.set('offset', String(next))
    headers.Link = `<${url.pathname}${url.search}>; rel="next"`
  }
  return headers
}

/** A list's 200 answer in the OpenAPI document: an array of `item`, with the paging headers. */
export function pagedResponse<T extends z.ZodType>(item: T, description: string) {
  return {
    description: `${description}; paged by \`limit\` and \`offset\``,
    headers: {
      'X-Total-Count': {
        description: 'how many rows match, on every page',
        schema: { type: 'integer' as const },
      },
      Link: {
        description: '`<…&offset=N>; rel="next"` while more rows remain',
        schema: { type: 'string' as const },
      },
    },
    content: { 'application/json': { schema: z.array(item) } },
  }
}
