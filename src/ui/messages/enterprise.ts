// Text of the enterprise pages, Chinese first; `en` must have every key (typed as `typeof zh`).
// Words for API codes (states, kinds, reasons) go in `words`, shared with the page scripts.

const zh = {
  // The apply form
  originPicker: '始发地（区县）',
  destRegionPicker: '目的地区县',
  regionPickerHint: '输入地名或代码，如 浦东 或 310115',
  // Follows regionPickerHint on the origin field, hence the leading separator.
  riskRegionsListed: '；列表先列出当前中、高风险地区',
  routingHint: '来自高风险地区的车辆，目的地须为中转站。',
  applyDone:
    '申请已提交，等待专班审批。审批结果显示在“我的申请与通行证”中；批准后可在那里打开、打印通行证，或发给司机。',
  // Applications and passes
  firm: '企业',
  issuedAt: '签发时间',
  submittedAt: '提交时间',
  originCol: '始发地',
  applicationOutcome: '处理结果',
  withdraw: '撤回申请',
  withdrawConfirm: '确定撤回这份申请吗？撤回后不能恢复，如仍需通行证须重新申请。',
  withdrawDone: '申请已撤回。',
  withdrawnByFirm: '已由本企业撤回',
  rejectedBecause: '驳回理由：',
  waitingApproval: '等待专班审批',
  passLink: '查看通行证',
  chinaTimeNote: '（北京时间）',
  fileReportLink: '车辆到达报备',
  // Pre-arrival reports (报备)
  reportsTitle: '车辆到达报备',
  reportsIntro:
    '车辆到达入城检查点前，请至少提前 {h} 小时报备；不足 {h} 小时的报备仍会受理，但会标记为迟报。',
  newReport: '新建报备',
  fileReport: '提交报备',
  myReports: '本企业的报备',
  reportPlateHint: '本企业持有有效通行证的车辆',
  reportPass: '通行证（可选）',
  anyPass: '不指定',
  entryCheckpoint: '入城检查点',
  expectedFrom: '预计到达（起）',
  expectedUntil: '预计到达（止）',
  expectedWindow: '预计到达时段',
  filedAt: '报备时间',
  notice: '报备时限',
  reportOnTime: '按时',
  reportLate: '迟报（不足 {h} 小时）',
  reportDone: '报备已提交：{plate}。',
  filedOnTime: '按时报备：入城检查点已能在待到达名单中看到这辆车。',
  filedLate:
    '这份报备距预计到达不足 {h} 小时，已受理并标记为迟报；入城检查点仍会接收这辆车，请按时到达。',
  filedReport: '刚提交的报备',
  noValidPass: '本企业目前没有有效的通行证，暂时无法报备；通行证获批后即可报备。',
  statusFilter: '按状态筛选',
  allStatuses: '全部',
  showReports: '筛选',
  recentReports: '显示预计到达时段在近 7 天内结束或尚未开始的报备。',
}

const en: typeof zh = {
  originPicker: 'Origin (county)',
  destRegionPicker: 'Destination county',
  regionPickerHint: 'type a place name or its code, e.g. 浦东 or 310115',
  riskRegionsListed: '; current medium- and high-risk areas are listed first',
  routingHint: 'From a high-risk area the destination must be a transfer station.',
  applyDone:
    'Application submitted: it now waits for the coordinators’ approval. The decision appears under “My applications and passes”; once approved, open and print the pass there, or send it to the driver.',
  firm: 'Enterprise',
  issuedAt: 'Issued',
  submittedAt: 'Submitted',
  originCol: 'Origin',
  applicationOutcome: 'Outcome',
  withdraw: 'Withdraw',
  withdrawConfirm:
    'Withdraw this application? This cannot be undone: to get a pass you would apply again.',
  withdrawDone: 'Application withdrawn.',
  withdrawnByFirm: 'Withdrawn by your firm',
  rejectedBecause: 'Reason for rejection: ',
  waitingApproval: 'Waiting for approval',
  passLink: 'View pass',
  chinaTimeNote: '(China time)',
  fileReportLink: 'Report an arrival',
  reportsTitle: 'Pre-arrival reports',
  reportsIntro:
    'Report a vehicle to its entry checkpoint at least {h} hours before it arrives; a later report is still accepted but marked as late.',
  newReport: 'New report',
  fileReport: 'File report',
  myReports: 'Your firm’s reports',
  reportPlateHint: 'a vehicle your firm holds a valid pass for',
  reportPass: 'Pass (optional)',
  anyPass: 'Not specified',
  entryCheckpoint: 'Entry checkpoint',
  expectedFrom: 'Expected from',
  expectedUntil: 'Expected until',
  expectedWindow: 'Expected window',
  filedAt: 'Filed',
  notice: 'Notice given',
  reportOnTime: 'On time',
  reportLate: 'Late (under {h} hours)',
  reportDone: 'Report filed for {plate}.',
  filedOnTime:
    'Filed on time: the entry checkpoint now sees this vehicle among its expected arrivals.',
  filedLate:
    'This report comes less than {h} hours before the arrival, so it is accepted and marked as late; the entry checkpoint will still receive the vehicle — please keep to the window.',
  filedReport: 'The report just filed',
  noValidPass:
    'Your firm holds no valid pass right now, so there is nothing to report yet; once a pass is approved you can report its vehicle.',
  statusFilter: 'Filter by status',
  allStatuses: 'All',
  showReports: 'Show',
  recentReports: 'Showing reports whose window ended in the last 7 days or is still to come.',
}

export const enterpriseMessages = { zh, en }

export const enterpriseWords: { zh: Record<string, string>; en: Record<string, string> } = {
  // Pre-arrival report statuses (arrived is a loop state's word too: 已到达).
  zh: {
    expected: '待到达',
    overdue: '逾期未到',
    no_show: '未到达（已关闭）',
  },
  en: {
    expected: 'Expected',
    overdue: 'Overdue',
    no_show: 'Did not arrive',
  },
}
