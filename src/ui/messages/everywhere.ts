// Text of the everywhere pages, Chinese first; `en` must have every key (typed as `typeof zh`).
// Words for API codes (states, kinds, reasons) go in `words`, shared with the page scripts.

const zh = {
  // The generic form script (client/app.ts): confirmation, the question before a destructive
  // action, and what it says when the answer is not the API's own error.
  saved: '已保存',
  confirmYes: '确定',
  confirmNo: '取消',
  close: '关闭',
  requestFailed: '操作未成功，请稍后重试',
  networkFailed: '无法连接服务器，请检查网络后重试',
  // 403 and 404 pages
  forbiddenTitle: '无权访问此页面',
  forbiddenText: '此页面仅供{roles}账号使用；您当前登录的是{role}账号（{username}）。',
  notFoundTitle: '未找到',
  notFoundText: '您要找的页面或记录不存在，或不属于您的账号。',
  refusedTitle: '请求已拒绝',
  goHome: '返回首页',
  signInAsOther: '退出并以其他账号登录',
  roleSeparator: '、',
  roleEnterprise: '企业',
  roleCheckpoint: '检查点',
  roleCoordinator: '专班',
  roleAdmin: '管理员',
  // the header
  mainNav: '主导航',
  signedInFirm: '所属企业',
}

const en: typeof zh = {
  saved: 'Saved',
  confirmYes: 'OK',
  confirmNo: 'Cancel',
  close: 'Close',
  requestFailed: 'That did not work; please try again later',
  networkFailed: 'Cannot reach the server; check the network and try again',
  forbiddenTitle: 'You cannot open this page',
  forbiddenText:
    'This page is for {roles} accounts; you are signed in as {username}, a {role} account.',
  notFoundTitle: 'Not found',
  notFoundText: 'What you are looking for does not exist, or does not belong to your account.',
  refusedTitle: 'Request refused',
  goHome: 'Go to your home page',
  signInAsOther: 'Sign out and sign in as someone else',
  roleSeparator: ' or ',
  roleEnterprise: 'enterprise',
  roleCheckpoint: 'checkpoint',
  roleCoordinator: 'coordinator',
  roleAdmin: 'administrator',
  mainNav: 'Main navigation',
  signedInFirm: 'Your firm',
}

export const everywhereMessages = { zh, en }

// The scan warnings beside `manual_loop_open` (src/ui/i18n.ts), shown by the scan page offline and
// by every page that shows a scan answer (the server's verdict on another issuer's pass).
export const everywhereWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {
    trust_data_old: '离线核验数据较旧，请尽快联网更新',
    trust_data_stale: '核验数据已过时，可能漏掉吊销：须采样后放行',
  },
  en: {
    trust_data_old: 'Offline check data is old: go online soon to update it',
    trust_data_stale: 'Check data is out of date and may miss a revocation: sample before release',
  },
}
