import type { Store } from '../../src/db/store.ts'

/**
 * Holds `store.atomic` calls until `count` of them have arrived, then lets them run in arrival
 * order. Two requests racing for the same record thus both pass their read-time checks before
 * either writes: the interleaving a busy server produces by chance, produced here every time.
 * The routes read `store.atomic` at call time, so wrapping the shared store object is enough.
 */
export function gateWrites(store: Store) {
  const atomic = store.atomic.bind(store)
  let waiting: (() => void)[] = []
  let expected = 0
  store.atomic = async (queries) => {
    if (expected > 0) {
      await new Promise<void>((release) => {
        waiting.push(release)
        if (waiting.length === expected) {
          const ready = waiting
          waiting = []
          expected = 0
          for (const go of ready) go()
        }
      })
    }
    return atomic(queries)
  }
  return {
    /** The next `count` writes wait for one another. */
    hold(count: number) {
      expected = count
    },
  }
}
