// @ts-check
// Plain JavaScript (type-checked from its JSDoc): shared by store.ts and by the SQLite write thread
// (sqlite-writer.mjs), where no TypeScript loader runs.

/**
 * Values both drivers accept: booleans become 0/1.
 * @param {readonly unknown[]} parameters
 * @returns {unknown[]}
 */
export const bindable = (parameters) =>
  parameters.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p))
