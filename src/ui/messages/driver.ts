// Text of the driver pages, Chinese first; `en` must have every key (typed as `typeof zh`).
// Words for API codes go in `words`, shared with the page scripts.

const zh = {}

const en: typeof zh = {}

export const driverMessages = { zh, en }

export const driverWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {},
  en: {},
}
