// Text of the admin pages, Chinese first; `en` must have every key (typed as `typeof zh`).
// Words for API codes (states, kinds, reasons) go in `words`, shared with the page scripts.

const zh = {}

const en: typeof zh = {}

export const adminMessages = { zh, en }

export const adminWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {},
  en: {},
}
