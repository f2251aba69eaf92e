// Text of the checkpoint pages, Chinese first; `en` must have every key (typed as `typeof zh`).
// Words for API codes (states, kinds, reasons) go in `words`, shared with the page scripts.

const zh = {}

const en: typeof zh = {}

export const checkpointMessages = { zh, en }

export const checkpointWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {},
  en: {},
}
