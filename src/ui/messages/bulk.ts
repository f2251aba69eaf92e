// Text of the bulk pages, Chinese first; `en` must have every key (typed as `typeof zh`).
// Words for API codes go in `words`, shared with the page scripts.

const zh = {
  navBulk: '批量申请',
  bulkTitle: '批量申请通行证',
  bulkIntro:
    '在表格软件中按模板每行填写一份申请，另存为 CSV 文件后上传。每一行都按单份申请的同样规则审核：合格的行提交给专班审批，不合格的行说明原因，可改正后只重新上传这些行。',
  bulkLimits:
    '每个文件最多 {rows} 行、不超过 1 MB；表格软件另存的 CSV 文件，无论哪种编码（包括中文系统的默认编码），都可以读取。',
  bulkTemplate: '下载模板（只有表头）：',
  bulkTemplateZh: '中文表头',
  bulkTemplateEn: '英文表头',
  bulkColumnsTitle: '各列填写说明',
  bulkColumnZh: '中文列名',
  bulkColumnEn: '英文列名',
  bulkColumnMeaning: '填写什么',
  bulkColumnExample: '示例',
  bulkCol_plate: '车牌号，新能源车 8 位',
  bulkCol_cargo_category: '货物类别，填写下方列出的类别之一',
  bulkCol_origin_region_code: '始发地的县级行政区划代码（6 位）',
  bulkCol_destination_station_code: '目的地为中转站时填写中转站代码；否则留空',
  bulkCol_destination_region_code: '目的地为企业自有场所时填写其区县代码',
  bulkCol_destination_address: '企业自有场所的详细地址',
  bulkCol_route: '行驶路线',
  bulkCol_valid_from: '通行证有效期开始（北京时间）',
  bulkCol_valid_until: '通行证有效期结束（北京时间）',
  bulkCol_crew: '司乘人员的姓名、18 位身份证号、11 位手机号；第 1 人必填，第 2、3 人可整组留空',
  bulkTimesHint:
    '时间可写作 2026-12-05 08:00 或 2026/12/5 8:00（北京时间），也可写带时区的完整时间，如 2026-12-05T08:00:00+08:00。',
  bulkCargoHint: '货物类别可填写：',
  bulkRoutingHint: '来自高风险地区的车辆，目的地须为中转站。',
  bulkUploadTitle: '上传文件',
  bulkFile: '选择 CSV 文件',
  bulkUpload: '上传并提交',
  bulkUploading: '正在上传并逐行审核……',
  bulkNoFile: '请先选择一个 CSV 文件。',
  bulkFileRefused: '文件未被接受：',
  bulkHeaderWrong: '表头有误，请按模板修改以下各列。',
  bulkResultsTitle: '上传结果',
  bulkSummary: '已提交 {c} 份，未通过 {r} 份。',
  bulkRow: '行号',
  bulkOutcome: '结果',
  bulkReasons: '原因',
  bulkCreated: '已提交',
  bulkRejected: '未通过',
  bulkSeeApplications: '在“我的申请与通行证”中查看',
  bulkNetworkError: '上传失败，请检查网络后重试。',
}

const en: typeof zh = {
  navBulk: 'Bulk apply',
  bulkTitle: 'Apply for many passes at once',
  bulkIntro:
    'Fill in one application per row of the template in a spreadsheet, save it as CSV and upload it. Every row is checked by the same rules as a single application: good rows go to the coordinators for approval, the others say why, so you can correct them and upload only those rows again.',
  bulkLimits:
    'At most {rows} rows and 1 MB per file; a CSV file saved by a spreadsheet is read in any encoding (the default of Chinese systems included).',
  bulkTemplate: 'Download the template (the header row only):',
  bulkTemplateZh: 'Chinese header',
  bulkTemplateEn: 'English header',
  bulkColumnsTitle: 'What goes in each column',
  bulkColumnZh: 'Chinese name',
  bulkColumnEn: 'English name',
  bulkColumnMeaning: 'What to write',
  bulkColumnExample: 'Example',
  bulkCol_plate: 'The plate; 8 characters for new-energy vehicles',
  bulkCol_cargo_category: 'The cargo category: one of those listed below',
  bulkCol_origin_region_code: 'The origin’s 6-digit county-level region code',
  bulkCol_destination_station_code: 'The transfer station’s code when bound for one; else empty',
  bulkCol_destination_region_code: 'The region code of the firm’s own site',
  bulkCol_destination_address: 'The full address of the firm’s own site',
  bulkCol_route: 'The route',
  bulkCol_valid_from: 'When the pass starts (China time)',
  bulkCol_valid_until: 'When the pass ends (China time)',
  bulkCol_crew:
    'Each crew member’s name, 18-character ID number and 11-digit mobile number; the first is required, the second and third may be left empty',
  bulkTimesHint:
    'Times as 2026-12-05 08:00 or 2026/12/5 8:00 (China time), or in full with an offset, such as 2026-12-05T08:00:00+08:00.',
  bulkCargoHint: 'Cargo categories:',
  bulkRoutingHint: 'From a high-risk area the destination must be a transfer station.',
  bulkUploadTitle: 'Upload a file',
  bulkFile: 'CSV file',
  bulkUpload: 'Upload and submit',
  bulkUploading: 'Uploading and checking each row…',
  bulkNoFile: 'Choose a CSV file first.',
  bulkFileRefused: 'The file was not accepted:',
  bulkHeaderWrong: 'the header row is wrong; correct these columns as in the template.',
  bulkResultsTitle: 'Result',
  bulkSummary: '{c} submitted, {r} not accepted.',
  bulkRow: 'Row',
  bulkOutcome: 'Outcome',
  bulkReasons: 'Reasons',
  bulkCreated: 'Submitted',
  bulkRejected: 'Not accepted',
  bulkSeeApplications: 'See it under My applications and passes',
  bulkNetworkError: 'The upload failed; check the network and try again.',
}

export const bulkMessages = { zh, en }

export const bulkWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {},
  en: {},
}
