// Text about the retention rule (issue 21), Chinese first; `en` must have every key (typed as `typeof zh`).

const zh = {
  retentionErased: '个人信息已按规定删除（{date}）',
}

const en: typeof zh = {
  retentionErased: 'Personal data deleted under the retention rule ({date})',
}

export const retentionMessages = { zh, en }

export const retentionWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {},
  en: {},
}
