// Text of the admin's decommission page (issue 21), Chinese first; `en` must have every key (typed as `typeof zh`).

const zh = {
  decomNav: '停止服务',
  decomTitle: '停止服务并删除个人信息',
  decomIntro:
    '疫情防控措施结束时使用，无法撤销：撤销全部有效通行证并发布最终吊销列表，删除全部个人信息（申请、预报备和车辆的随车人员，扫码输入，企业联系人），在审计日志中记录并签名封存，保留一份报告。停止后不再受理新的申请、审批、预约、车辆和预报备。',
  decomRehearseTitle: '第一步：演练',
  decomRehearseHint: '只统计将要撤销和删除的数量，不做任何更改。',
  decomRealTitle: '第二步：正式停止服务',
  decomRealHint: '此操作无法撤销。',
  decomRehearse: '演练（不做任何更改）',
  decomRehearsed:
    '演练结果：将撤销 {passes.revoked} 张有效通行证；将删除申请 {erased.applications} 条、预报备 {erased.arrival_reports} 条、扫码记录 {erased.scans} 条、车辆 {erased.vehicles} 辆、企业联系人 {erased.enterprise_contacts} 个中的个人信息。未作任何更改。',
  decomReason: '停止原因（至少 10 个字）',
  decomConfirmLabel: '请输入以下确认词：',
  decomSubmit: '停止服务',
  decomAsk: '确定停止服务？全部通行证将被撤销，个人信息将被删除，且无法恢复。',
  decomDone: '服务已停止：撤销通行证 {passes.revoked} 张。',
  decomStopped: '本服务已于 {time}（北京时间）停止。',
  decomUnfinished: '停止服务于 {time}（北京时间）开始但未完成，请再次提交以完成。',
  decomBy: '操作人',
  decomWhy: '原因',
  decomPassesRevoked: '撤销的有效通行证',
  decomErasedApplications: '删除个人信息的申请',
  decomErasedReports: '删除个人信息的预报备',
  decomErasedScans: '删除输入的扫码记录',
  decomErasedVehicles: '删除随车人员的车辆',
  decomErasedContacts: '删除联系人的企业',
  decomSeal: '最终审计封存（序号）',
  decomSealCovers: '封存覆盖最后一条审计记录',
  decomSealMissing: '封存未覆盖最后一条审计记录，请核验审计日志',
  decomStatusList: '最终吊销列表（JWT）',
}

const en: typeof zh = {
  decomNav: 'End of service',
  decomTitle: 'End the service and delete personal data',
  decomIntro:
    'For when the epidemic control measures end; it cannot be undone: every valid pass is revoked and the final revocation list published, all personal data is deleted (crews of applications, pre-arrival reports and vehicles, scan input, firms’ contact persons), the audit log records it and is sealed and signed, and a report is kept. Afterwards no new applications, approvals, bookings, vehicles or pre-arrival reports are taken.',
  decomRehearseTitle: 'Step 1: rehearse',
  decomRehearseHint: 'Counts what would be revoked and deleted, and changes nothing.',
  decomRealTitle: 'Step 2: end the service',
  decomRealHint: 'This cannot be undone.',
  decomRehearse: 'Rehearse (changes nothing)',
  decomRehearsed:
    'Rehearsal: {passes.revoked} valid passes would be revoked; personal data would be deleted from {erased.applications} applications, {erased.arrival_reports} pre-arrival reports, {erased.scans} scans, {erased.vehicles} vehicles and {erased.enterprise_contacts} firms’ contacts. Nothing was changed.',
  decomReason: 'Why the service ends (10 characters or more)',
  decomConfirmLabel: 'Type this word to confirm:',
  decomSubmit: 'End the service',
  decomAsk:
    'End the service? Every pass will be revoked and personal data deleted, with no way back.',
  decomDone: 'The service has ended: {passes.revoked} passes revoked.',
  decomStopped: 'This service ended on {time} (China time).',
  decomUnfinished:
    'Ending the service began on {time} (China time) but did not finish: submit again to finish it.',
  decomBy: 'By',
  decomWhy: 'Reason',
  decomPassesRevoked: 'Valid passes revoked',
  decomErasedApplications: 'Applications whose personal data was deleted',
  decomErasedReports: 'Pre-arrival reports whose personal data was deleted',
  decomErasedScans: 'Scans whose input was deleted',
  decomErasedVehicles: 'Vehicles whose crew was deleted',
  decomErasedContacts: 'Firms whose contact person was deleted',
  decomSeal: 'Final audit seal (sequence number)',
  decomSealCovers: 'The seal covers the last audit entry',
  decomSealMissing: 'The seal does not cover the last audit entry: verify the audit log',
  decomStatusList: 'Final revocation list (JWT)',
}

export const decommissionMessages = { zh, en }

export const decommissionWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {},
  en: {},
}
