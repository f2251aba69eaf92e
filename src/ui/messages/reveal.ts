// Text of a coordinator's reveal of personal data in full and of the list of reveals (issue 21),
// Chinese first; `en` must have every key (typed as `typeof zh`).

const zh = {
  revealNav: '个人信息查看记录',
  revealTitle: '个人信息查看记录',
  revealIntro:
    '随车人员的姓名、身份证号和手机号在各页面均打码显示。查看完整信息须说明理由，每次查看都记入审计日志：谁、何时、查看了哪条记录、为什么。',
  revealAt: '查看时间',
  revealWho: '查看人',
  revealRecord: '记录',
  revealReason: '理由',
  revealPurpose: '用途',
  revealMembers: '人数',
  revealMembersCount: '{n} 人',
  revealKind_pass: '通行证',
  revealKind_application: '通行证申请',
  revealKind_arrival_report: '到达报备',
  revealPurpose_contact_tracing: '密接追踪',
  revealPurpose_identity_check: '核验身份',
  revealPurpose_subject_request: '本人申请',
  revealPurpose_other: '其他',
  revealShow: '查看完整信息',
  revealReasonLabel: '查看理由（至少 10 个字，将记入审计日志）',
  revealPurposeLabel: '用途',
  revealSubmit: '查看完整信息',
  revealAnswerTitle: '完整信息',
  revealAnswerNote:
    '已于 {time}（北京时间）记入审计日志。请勿截屏、抄录或转发；离开本页即不再显示。',
  revealName: '姓名',
  revealIdNumber: '身份证号',
  revealPhone: '手机号',
  revealFilterActor: '查看人（用户名）',
  revealFilterSince: '起始日期',
}

const en: typeof zh = {
  revealNav: 'Personal data views',
  revealTitle: 'Personal data views',
  revealIntro:
    'Crew names, ID numbers and phones are masked on every page. Seeing them in full needs a stated reason, and every view is recorded in the audit log: who, when, which record and why.',
  revealAt: 'When',
  revealWho: 'Who',
  revealRecord: 'Record',
  revealReason: 'Reason',
  revealPurpose: 'Purpose',
  revealMembers: 'People',
  revealMembersCount: '{n}',
  revealKind_pass: 'Pass',
  revealKind_application: 'Application',
  revealKind_arrival_report: 'Pre-arrival report',
  revealPurpose_contact_tracing: 'Contact tracing',
  revealPurpose_identity_check: 'Identity check',
  revealPurpose_subject_request: 'The person’s own request',
  revealPurpose_other: 'Other',
  revealShow: 'Show full details',
  revealReasonLabel: 'Reason (at least 10 characters; recorded in the audit log)',
  revealPurposeLabel: 'Purpose',
  revealSubmit: 'Show full details',
  revealAnswerTitle: 'Full details',
  revealAnswerNote:
    'Recorded in the audit log at {time} (China time). Do not screenshot, copy or forward; leaving this page hides them.',
  revealName: 'Name',
  revealIdNumber: 'ID number',
  revealPhone: 'Phone',
  revealFilterActor: 'Who (username)',
  revealFilterSince: 'From (date)',
}

export const revealMessages = { zh, en }

export const revealWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {},
  en: {},
}
