/**
 * What every error code of the API says, in Chinese and English: one table, read by
 * `localiseError` (./localise-error.ts). `zh`/`en` say what the code means; `says` lists the
 * specific English sentences the code is thrown with, each with the Chinese that says the same.
 * `{name}` in a sentence stands for a specific (an id, a plate, a limit): it is read from the
 * English message and written into the Chinese one, so specifics survive translation; `{=code}`
 * in a Chinese sentence is the Chinese text of the error's code.
 *
 * test/http/error-language.test.ts scans src for every error code and fails on one missing here.
 */
export interface ErrorText {
  zh: string
  en: string
  says?: readonly (readonly [en: string, zh: string])[]
}

export const ERROR_TEXTS: Record<string, ErrorText> = {
  // Requests the API cannot read.
  invalid_input: { zh: '输入有误', en: 'invalid input' },
  malformed_body: { zh: '请求内容不是有效的 JSON', en: 'the request body is not valid JSON' },
  body_too_large: {
    zh: '请求内容过大',
    en: 'request body too large',
    says: [['request body over {n} bytes', '请求内容超过 {n} 字节']],
  },
  route_not_found: {
    zh: '没有这个接口',
    en: 'no such route',
    says: [['no route for {method} {path}', '没有接口 {method} {path}']],
  },
  internal_error: {
    zh: '服务器出错，错误已记录',
    en: 'something went wrong; the fault is logged',
  },
  not_found: {
    zh: '未找到，或无权查看',
    en: 'not found',
    says: [
      ['loop not found', '未找到该闭环记录'],
      ['alert not found', '未找到该预警'],
      ['account not found', '未找到该账号'],
      ['enterprise not found', '未找到该企业'],
      ['station not found', '未找到该中转站'],
      ['station {code} not found', '未找到中转站 {code}'],
      ['checkpoint not found', '未找到该检查点'],
      ['region {code} not found', '未找到地区 {code}'],
      ['pass not found', '未找到该通行证'],
      ['application not found', '未找到该申请'],
      ['arrival report not found', '未找到该到达报备'],
      ['trusted issuer not found', '未找到该受信任签发机关'],
      ['device not found', '未找到该设备'],
      ['vehicle not found', '未找到该车辆'],
      ['decommission not found', '本服务尚未停止'],
    ],
  },
  forbidden: {
    zh: '您的角色无权进行此操作',
    en: 'your role may not do this',
    says: [
      ['only an admin may change {role} accounts', '只有管理员可以修改{role}账号'],
      ['only an admin may create {role} accounts', '只有管理员可以创建{role}账号'],
      ['not one of your checkpoints', '不是您所在的检查点'],
    ],
  },
  too_many_requests: {
    zh: '请求过多，请稍后再试',
    en: 'too many requests; try again later',
    says: [
      [
        '{n} QR images of your account are already waiting to be drawn; ask again in {s} s, or fewer at a time',
        '您的账号已有 {n} 张二维码在生成中，请 {s} 秒后再试，或一次少请求几张',
      ],
    ],
  },

  // Signing in and the session.
  unauthorized: { zh: '请先登录', en: 'sign in first' },
  invalid_token: {
    zh: '登录凭证无效，请重新登录',
    en: 'the token is not valid',
    says: [
      ['Authorization must be "Bearer <token>"', '登录凭证格式有误（应为 Bearer 令牌）'],
      ['the account no longer exists', '该账号已不存在'],
    ],
  },
  token_expired: { zh: '登录已过期，请重新登录', en: 'your sign-in has expired; sign in again' },
  token_revoked: {
    zh: '您已退出或密码已修改，请重新登录',
    en: 'you signed out or your password changed; sign in again',
  },
  account_disabled: { zh: '该账号已停用', en: 'this account is disabled' },
  invalid_credentials: { zh: '用户名或密码错误', en: 'wrong username or password' },
  too_many_attempts: {
    zh: '登录尝试过于频繁，请稍后再试',
    en: 'too many sign-in attempts; try again later',
    says: [
      [
        'too many failed sign-ins from your network; try again in {m} minutes',
        '来自您所在网络的登录失败次数过多，请 {m} 分钟后再试',
      ],
      [
        'too many sign-in attempts for this account just now; try again in {s} seconds',
        '该账号刚刚登录尝试过多，请 {s} 秒后再试',
      ],
    ],
  },
  cross_origin: {
    zh: '该请求来自其他网站，已被拒绝',
    en: 'a signed-in write from another site is refused',
  },
  csrf: {
    zh: '页面请求缺少防伪标头，请刷新页面后重试',
    en: 'a cookie-signed write needs the CSRF header',
    says: [
      [
        'a cookie-signed write needs the {header} header',
        '页面请求缺少 {header} 防伪标头，请刷新页面后重试',
      ],
    ],
  },
  password_unchanged: {
    zh: '新密码不能与当前密码相同',
    en: 'the new password must differ from the current one',
    says: [['new_password: must differ from the current password', '新密码不能与当前密码相同']],
  },
  wrong_password: {
    zh: '当前密码不正确',
    en: 'that is not your current password',
    says: [['current_password: that is not your current password', '当前密码不正确']],
  },
  password_changed_meanwhile: {
    zh: '密码刚被修改，请重新登录',
    en: 'the password was changed meanwhile; sign in again',
  },

  // Accounts.
  username_taken: {
    zh: '该用户名已被占用',
    en: 'that username is taken',
    says: [['the username {name} is taken', '用户名 {name} 已被占用']],
  },
  own_account: {
    zh: '不能停用或启用自己的账号',
    en: 'you cannot disable or enable your own account',
    says: [
      [
        'change your own password with POST /api/v1/auth/password',
        '自己的密码请在“修改密码”页面修改',
      ],
    ],
  },
  unknown_enterprise: {
    zh: '没有这家企业',
    en: 'no such enterprise',
    says: [['enterprise {id} does not exist', '企业 {id} 不存在']],
  },
  checkpoint_not_yours: {
    zh: '您的账号不在该检查点工作',
    en: 'your account does not work at this checkpoint',
    says: [
      ['your account does not work at checkpoint {code}', '您的账号不在检查点 {code} 工作'],
      ['your account does not work at station {code}', '您的账号不在中转站 {code} 的检查点工作'],
      [
        'scan {id} was made at a checkpoint your account does not work at',
        '核验记录 {id} 来自您的账号不在其工作的检查点',
      ],
    ],
  },

  // Reference data: regions, stations, checkpoints, trusted issuers.
  unknown_region: {
    zh: '没有这个地区',
    en: 'no such region',
    says: [
      ['region {code} does not exist', '地区 {code} 不存在'],
      ['origin region {code} does not exist', '始发地区 {code} 不存在'],
      ['destination region {code} does not exist', '目的地区 {code} 不存在'],
    ],
  },
  unknown_station: {
    zh: '没有这个中转站',
    en: 'no such station',
    says: [['station {code} does not exist', '中转站 {code} 不存在']],
  },
  unknown_checkpoint: {
    zh: '没有这个检查点',
    en: 'no such checkpoint',
    says: [
      ['no checkpoint {code}', '没有检查点 {code}'],
      ['no such checkpoint: {codes}', '没有这些检查点：{codes}'],
    ],
  },
  vehicle_exists: {
    zh: '该车辆已保存',
    en: 'this vehicle is already kept',
    says: [['vehicle {plate} is already kept', '车辆 {plate} 已保存']],
  },
  unknown_vehicle: {
    zh: '没有这辆已保存的车辆',
    en: 'no such kept vehicle',
    says: [['vehicle_id names none of your kept vehicles', '所选车辆不在本企业已保存的车辆中']],
  },
  vehicle_crew_empty: {
    zh: '所选车辆没有保存司乘人员，请填写司乘人员',
    en: 'the kept vehicle has no crew: enter the crew',
    says: [
      ['the kept vehicle has no crew: give `crew`', '所选车辆没有保存司乘人员，请填写司乘人员'],
      ['the kept vehicle has no crew', '所选车辆没有保存司乘人员'],
    ],
  },
  vehicle_plate_mismatch: {
    zh: '车牌号与所选车辆不符',
    en: 'the plate is not the kept vehicle’s',
    says: [
      [
        'plate {plate} is not the kept vehicle’s plate {kept}',
        '车牌号 {plate} 与所选车辆的车牌号 {kept} 不符',
      ],
    ],
  },
  station_exists: {
    zh: '该编号的中转站已存在',
    en: 'a station with this code already exists',
    says: [['station {code} already exists', '中转站 {code} 已存在']],
  },
  checkpoint_exists: {
    zh: '该编号的检查点已存在',
    en: 'a checkpoint with this code already exists',
    says: [['checkpoint {code} already exists', '检查点 {code} 已存在']],
  },
  station_closed: {
    zh: '该中转站已关闭',
    en: 'the station is closed',
    says: [['station {code} is closed', '中转站 {code} 已关闭']],
  },
  // Arrival slots and bookings at transfer stations (stations/booking-routes.ts).
  slot_full: {
    zh: '该时段已约满',
    en: 'the slot is full',
    says: [['the slot at {at} is full', '{at} 开始的时段已约满']],
  },
  slot_started: {
    zh: '该时段已开始，不能再预约或更改',
    en: 'the slot has started',
    says: [['the slot at {at} has started', '{at} 开始的时段已开始']],
  },
  not_a_slot: {
    zh: '该时间不是该站的预约时段起点',
    en: 'not the start of a slot at this station',
    says: [
      ['{at} is not the start of a slot at {code}', '{at} 不是中转站 {code} 的时段起点'],
      [
        'an arrival slot is asked for only at a transfer station',
        '只有目的地为中转站时才能选择到站时段',
      ],
    ],
  },
  slot_outside_validity: {
    zh: '该时段不在通行证有效期内',
    en: 'the slot is outside the validity window',
    says: [
      ['the slot at {at} is not inside the validity window', '{at} 开始的时段不在申请的有效期内'],
      [
        'the slot at {at} is not inside the validity of pass {number}',
        '{at} 开始的时段不在通行证 {number} 的有效期内',
      ],
    ],
  },
  booking_wrong_station: {
    zh: '该通行证的目的地不是该中转站',
    en: 'the pass is not bound for this station',
    says: [
      [
        'pass {number} is not bound for station {code}',
        '通行证 {number} 的目的地不是中转站 {code}',
      ],
    ],
  },
  already_booked: {
    zh: '该通行证已有预约，请改约',
    en: 'the pass already has a booking; move it instead',
    says: [['pass {number} already has a booking', '通行证 {number} 已有预约，请改约']],
  },
  booking_not_live: {
    zh: '该预约已取消或已结束',
    en: 'the booking is no longer live',
    says: [['the booking is already {status}', '该预约{status}']],
  },
  unknown_booking: {
    zh: '没有您名下该车辆的有效预约',
    en: 'no live booking of yours for this vehicle',
    says: [['you hold no live booking {id} for {plate}', '您名下没有车辆 {plate} 的有效预约 {id}']],
  },
  booking_changed: {
    zh: '该预约已被更改，请刷新后再试',
    en: 'the booking changed meanwhile',
    says: [['the booking changed meanwhile; read it again', '该预约已被更改，请刷新后再试']],
  },
  nothing_to_change: { zh: '请至少填写一项要修改的内容', en: 'send at least one field to change' },
  station_not_yours: {
    zh: '您的账号不在该中转站的卡口工作',
    en: 'your account does not work at this station',
    says: [
      ['your account does not work at station {code}', '您的账号不在中转站 {code} 的卡口工作'],
    ],
  },
  closed_reason_required: {
    zh: '关闭中转站须填写关闭原因',
    en: 'closing a station needs a reason',
    says: [['closing a station needs a closed_reason', '关闭中转站须填写关闭原因']],
  },
  region_changed: { zh: '记录刚被修改，请重试', en: 'the record changed; try again' },
  own_issuer: {
    zh: '这是本系统自己的签发机关代码，其密钥来自本系统配置',
    en: 'this is this deployment’s own issuer code; its keys come from its configuration',
  },
  issuer_exists: {
    zh: '该签发机关已在信任列表中，如需更换密钥请先移除',
    en: 'the issuer is already trusted; remove it first to replace its keys',
    says: [
      [
        'issuer {code} is already trusted; remove it first to replace its keys',
        '签发机关 {code} 已在信任列表中，如需更换密钥请先移除',
      ],
    ],
  },

  jwks_unreachable: {
    zh: '无法获取该签发机关的公钥集，请核对地址',
    en: 'the issuer’s JWKS could not be fetched; check the address',
    says: [
      [
        'the JWKS could not be fetched from {url} ({reason})',
        '无法从 {url} 获取该签发机关的公钥集（{reason}）',
      ],
    ],
  },
  jwks_invalid: {
    zh: '该地址返回的不是 Ed25519 公钥集',
    en: 'the address does not serve a public Ed25519 key set',
    says: [
      [
        'the document at {url} is not a public Ed25519 key set ({reason})',
        '{url} 返回的不是 Ed25519 公钥集（{reason}）',
      ],
    ],
  },
  no_jwks_url: {
    zh: '该签发机关没有登记公钥集地址',
    en: 'the issuer has no JWKS address',
    says: [
      [
        'the issuer has no JWKS address to fetch its keys from',
        '该签发机关没有登记公钥集地址，无法获取其公钥',
      ],
    ],
  },

  // Enterprises and the whitelist.
  enterprise_exists: {
    zh: '该统一社会信用代码的企业已登记',
    en: 'an enterprise with this USCC is already registered',
    says: [
      [
        'an enterprise with USCC {uscc} is already registered',
        '统一社会信用代码为 {uscc} 的企业已登记',
      ],
    ],
  },
  enterprise_not_whitelisted: {
    zh: '该企业不在白名单内（或已非有效状态）',
    en: 'the enterprise is no longer active on the whitelist',
    says: [
      [
        'only an enterprise active on the whitelist may apply for passes',
        '只有白名单内的有效企业才能申请通行证',
      ],
    ],
  },
  whitelist_transition: {
    zh: '白名单状态不能这样变更',
    en: 'the whitelist state cannot change this way',
    says: [
      [
        'a {from} enterprise cannot become {to}; allowed: {allowed}',
        '{from}的企业不能变为{to}；可变为：{allowed}',
      ],
    ],
  },
  whitelist_unchanged: {
    zh: '企业已是该白名单状态',
    en: 'the enterprise is already in that state',
    says: [
      ['the enterprise is already {status} at {level} level', '企业已是{status}（{level}）'],
      ['the enterprise is already {status}', '企业已是{status}'],
    ],
  },
  level_required: {
    zh: '有效企业须指定白名单级别：国家级、省级或市级',
    en: 'an active enterprise needs a level: national, provincial or municipal',
  },
  whitelist_changed: {
    zh: '白名单状态刚被修改，请刷新后重新决定',
    en: 'the whitelist state changed meanwhile; reload and decide again',
  },

  // Applications and passes.
  invalid_validity: { zh: '有效期有误', en: 'the validity window is not allowed' },
  transfer_station_required: {
    zh: '始发地为高风险地区，目的地必须是中转站',
    en: 'the origin is a high-risk area: the destination must be a transfer station (中转站)',
  },
  application_not_submitted: {
    zh: '该申请已处理，不能再变更',
    en: 'the application was already decided',
    says: [
      ['the application is {status}', '该申请{status}'],
      ['the application was decided meanwhile', '该申请刚被处理'],
    ],
  },
  application_pending: {
    zh: '该车已有一份时段重叠的申请在等待审批',
    en: 'an application for this vehicle over an overlapping window is already waiting for a decision',
    says: [
      [
        'an application for {plate} over an overlapping window is already waiting for a decision',
        '车辆 {plate} 已有一份时段重叠的申请在等待审批：如要修改，请先撤回那份申请',
      ],
    ],
  },
  application_expired: {
    zh: '申请的有效期已结束，企业须重新申请',
    en: 'the validity asked for has already ended; the enterprise must apply again',
  },
  plate_held_by_other_firm: {
    zh: '其他企业持有该车牌的有效通行证',
    en: 'another enterprise holds a valid pass for this plate',
    says: [
      [
        'another enterprise holds a valid pass for this plate; approve with confirm_other_firm and a note to supersede it, or reject',
        '其他企业持有该车牌的有效通行证：如要替代，请勾选确认并填写说明后批准，否则驳回',
      ],
      [
        'another enterprise’s pass for this plate was issued meanwhile; review it and approve again',
        '其他企业刚获得该车牌的通行证，请核查后重新批准',
      ],
    ],
  },
  overlaps_current_pass: {
    zh: '新通行证开始较晚，但与该车现有通行证的有效期重叠',
    en: 'the new pass starts later but overlaps the vehicle’s current pass',
    says: [
      [
        'the new pass starts later but overlaps the vehicle’s current pass (valid until {until}): start it when the current pass ends, or now',
        '新通行证开始较晚，但与该车现有通行证（有效期至 {until}）重叠：请从现有通行证结束时或现在开始',
      ],
    ],
  },
  serials_exhausted: {
    zh: '签发机关的通行证序号已用完，无法再编号',
    en: 'this issuer has given its last pass serial',
    says: [
      [
        'issuer {code} has given its last pass serial ({max}); no pass can be numbered',
        '签发机关 {code} 的通行证序号已用完（{max}），无法再编号',
      ],
      ['this issuer has given its last pass serial ({max})', '签发机关的通行证序号已用完（{max}）'],
    ],
  },
  pass_not_active: {
    zh: '该通行证已撤销或已被替代',
    en: 'the pass was revoked or replaced meanwhile',
    says: [['the pass is already {status}', '该通行证{status}']],
  },

  // The end of the service (decommission/).
  service_decommissioned: {
    zh: '本服务已停止，不再受理新的业务',
    en: 'the service has been decommissioned: it takes no new work',
  },
  already_decommissioned: {
    zh: '本服务已经停止过，不能再次停止',
    en: 'the service has already been decommissioned',
  },

  // Bulk applications from a CSV file (applications/bulk).
  unsupported_media_type: {
    zh: '请以 CSV 文件（text/csv）上传',
    en: 'send the file as text/csv',
  },
  csv_encoding_invalid: {
    zh: '无法识别文件的编码',
    en: 'the file’s encoding is not readable',
    says: [
      ['unknown charset {charset}', '不支持的字符集 {charset}'],
      ['the file is not readable as {charset}', '文件无法按 {charset} 编码读取'],
    ],
  },
  csv_malformed: {
    zh: '文件不是有效的 CSV',
    en: 'the file is not valid CSV',
    says: [['the file is not readable as CSV (line {line})', '文件不是有效的 CSV（第 {line} 行）']],
  },
  csv_empty: { zh: '文件中没有数据行', en: 'the file has no data rows' },
  csv_header_invalid: {
    zh: '表头有误',
    en: 'the header row is wrong',
    says: [['the header row is wrong: {columns}', '表头有误：{columns}']],
  },
  too_many_rows: {
    zh: '行数过多',
    en: 'too many rows',
    says: [
      [
        'the file has {n} rows; at most {max} are taken at once',
        '文件有 {n} 行数据，一次最多 {max} 行',
      ],
    ],
  },
  duplicate_in_file: {
    zh: '本文件中已有该车时段重叠的申请',
    en: 'an earlier row of the file applies for this vehicle for an overlapping time',
    says: [
      [
        'row {row} of this file already applies for this vehicle for an overlapping time',
        '本文件第 {row} 行已为该车申请了重叠的时段',
      ],
    ],
  },

  // Scans and pre-arrival reports.
  scanned_at_in_future: {
    zh: '核验时间比服务器时间快 5 分钟以上：请检查手机的日期、时间和时区后重新扫码',
    en: 'scanned_at is ahead of the server clock',
    says: [
      [
        'scanned_at is more than {n} minutes ahead of the server clock: check the date, time and time zone of the phone, then scan again',
        '核验时间比服务器时间快 {n} 分钟以上：请检查手机的日期、时间和时区后重新扫码',
      ],
    ],
  },
  loop_changed: {
    zh: '核验期间该车的闭环记录有变化，请重新扫码',
    en: 'the vehicle’s loop changed while the scan was recorded; scan again',
  },
  id_reused: {
    zh: '该记录编号已被使用，请用新编号重新提交',
    en: 'the id was already used',
    says: [
      [
        'id {id} was already used for a different scan or loop event: send this scan with a new id',
        '编号 {id} 已用于另一条核验或闭环记录，请用新编号重新提交',
      ],
      [
        'scan id {id} was already used for a different scan: send this scan with a new id',
        '核验编号 {id} 已用于另一条核验，请用新编号重新提交',
      ],
      [
        "event {id} is already stored with other content; an event's id names one event only — give a new event a new id",
        '记录 {id} 已以其他内容存在；一个编号只对应一条记录，新记录请用新编号',
      ],
      [
        'event {id} is already stored; the arrival event of a new loop needs a new id',
        '记录 {id} 已存在，新闭环的到达记录需要新编号',
      ],
    ],
  },
  invalid_window: {
    zh: '预计到达时段有误',
    en: 'the arrival window is not allowed',
    says: [
      ['expected_until must be after expected_from', '预计到达截止时间须晚于开始时间'],
      ['the window has already ended', '该时段已结束'],
      ['an arrival window is at most {n} hours', '预计到达时段最长 {n} 小时'],
    ],
  },
  not_an_entry_checkpoint: {
    zh: '请报备到高速出口或道路检查点',
    en: 'report arrivals to a highway exit or road checkpoint',
  },
  plate_not_yours: {
    zh: '您没有该车辆的有效通行证，只能报备本企业的车辆',
    en: 'you hold no valid pass for this vehicle: report only your own vehicles',
    says: [
      [
        'you hold no valid pass {number} for {plate}: report only your own vehicles',
        '您没有车辆 {plate} 的有效通行证 {number}，只能报备本企业的车辆',
      ],
      [
        'you hold no valid pass for {plate}: report only your own vehicles',
        '您没有车辆 {plate} 的有效通行证，只能报备本企业的车辆',
      ],
      [
        'you hold no valid {what}: report only your own vehicles',
        '您没有该车辆的有效通行证，只能报备本企业的车辆',
      ],
    ],
  },

  // Loops, their events and alerts.
  loop_open: {
    zh: '该车已有未闭环记录',
    en: 'this vehicle already has an open loop',
    says: [['vehicle {plate} already has an open loop', '车辆 {plate} 已有未闭环记录']],
  },
  loop_closed: {
    zh: '该闭环已结束',
    en: 'the loop is already closed',
    says: [
      [
        'the loop is already closed; resolve with handled_off_loop',
        '该闭环已结束，请以“已移交处置”结束该预警',
      ],
    ],
  },
  not_released: {
    zh: '该车尚未放行',
    en: 'the vehicle has not been released',
    says: [
      [
        'the vehicle has not been released: there is no deadline to move',
        '该车尚未放行，没有可调整的到达时限',
      ],
    ],
  },
  deadline_in_past: { zh: '到达时限须在未来', en: 'the deadline must lie ahead' },
  deadline_too_far: {
    zh: '到达时限最多可设在 7 天后',
    en: 'the deadline may lie at most 7 days ahead',
  },
  invalid_cursor: { zh: '翻页参数有误', en: 'before must be `opened_at|id`' },
  alert_resolved: {
    zh: '该预警已处置',
    en: 'the alert is already resolved',
    says: [['the alert was resolved meanwhile', '该预警刚被处置']],
  },
  alert_acknowledged: { zh: '该预警已确认', en: 'the alert is already acknowledged' },
  outcome_not_applicable: {
    zh: '只有阳性结果的预警需要填写处置结果',
    en: 'only a positive result’s alert takes an outcome',
  },
  outcome_required: {
    zh: '请选择处置结果',
    en: 'say what the resolution allows',
    says: [['say what the resolution allows: {outcomes}', '请选择处置结果：{outcomes}']],
  },
  nothing_to_retest: {
    zh: '该预警的阳性结果已不在闭环中，请以“已移交处置”结束',
    en: 'this alert’s positive result no longer stands on the loop; resolve with handled_off_loop',
  },
  time_in_future: {
    zh: '设备时间比服务器时间快 5 分钟以上，请校准手机时间',
    en: 'at: the device time is more than 5 minutes ahead of the server; check the phone’s clock',
  },
  time_out_of_range: {
    zh: '时间须在该记录时间之前 48 小时内、之后 5 分钟内',
    en: 'the time must lie within 48 hours before the event time and at most 5 minutes after it',
    says: [
      [
        'data.{field}: must lie within 48 hours before the event time and at most 5 minutes after it',
        '时间须在该记录时间之前 48 小时内、之后 5 分钟内',
      ],
    ],
  },
  deadline_out_of_range: {
    zh: '到达时限须晚于放行时间，且不超过规定时长；更长的时限由专班设定',
    en: 'the deadline must lie after the release and within the limit',
    says: [
      [
        'data.deadline: must lie after the release and at most {n} hours after it; a coordinator may set a later one',
        '到达时限须晚于放行时间，且最多在放行后 {n} 小时；更晚的时限由专班设定',
      ],
    ],
  },
  invalid_event: { zh: '记录内容有误', en: 'the event is not valid' },
  invalid_manifest: {
    zh: '交接清单有误：每辆接驳车须有正确的车牌和件数（至少 1 件），封签号不超过 32 个字符，最多 20 辆',
    en: 'the hand-over manifest is not valid: each receiving vehicle needs a valid plate and pieces (at least 1), a seal number of at most 32 characters, at most 20 vehicles',
  },
  correction_not_allowed: {
    zh: '不能撤回该检测结果',
    en: 'this result cannot be withdrawn',
    says: [
      ['data.event_id: no event with this id in the loop', '闭环中没有该编号的记录'],
      [
        'data.event_id: event {id} is no test result; only results are withdrawn',
        '记录 {id} 不是检测结果，只能撤回检测结果',
      ],
      [
        'data.event_id: event {id} was recorded at checkpoint {code}; only that checkpoint may withdraw it',
        '记录 {id} 由检查点 {code} 录入，只有该检查点可以撤回',
      ],
      ['data.event_id: event {id} has been withdrawn already', '记录 {id} 已被撤回'],
      [
        'at: the correction is dated before the result it withdraws ({id})',
        '撤回时间早于被撤回的结果（{id}）',
      ],
    ],
  },
  correction_window_passed: {
    zh: '检测结果只能在录入后 60 秒内撤回',
    en: 'a result can be withdrawn only within 60 seconds of recording it',
    says: [
      [
        'at: a result can be withdrawn only within {s} seconds of recording it; event {id} was recorded at {at}',
        '检测结果只能在录入后 {s} 秒内撤回；记录 {id} 录入于 {at}',
      ],
    ],
  },
  coordinator_only: {
    zh: '该类记录只能由专班决定',
    en: 'this kind is recorded only by a coordinator’s decision',
    says: [
      [
        'kind: {kind} is recorded only by a coordinator’s decision',
        '该类记录（{kind}）只能由专班决定',
      ],
    ],
  },
  unknown_loop: {
    zh: '没有这个闭环记录',
    en: 'no such loop',
    says: [['no loop {id}', '没有闭环记录 {id}']],
  },
  loop_not_yours: {
    zh: '该闭环与您的检查点无关',
    en: 'the loop does not involve your checkpoints',
    says: [
      [
        'loop {id} does not involve your checkpoints (entry, an event recorded there, or the release destination)',
        '闭环 {id} 与您的检查点无关（入城、在此记录的事件或放行目的地均不是）',
      ],
    ],
  },
  loop_full: {
    zh: '该闭环的记录已达上限，已通知专班',
    en: 'the loop holds the most events it takes',
    says: [
      [
        'loop {id} holds {n} events, the most it takes; coordinators have been told',
        '闭环 {id} 已有 {n} 条记录，达到上限；已通知专班',
      ],
    ],
  },
  // The loop's flags, answered as the code of a refused coordinator event.
  before_arrival: { zh: '该车尚未到达', en: 'the vehicle has not arrived' },
  already_arrived: { zh: '该车已记录到达', en: 'the vehicle has already arrived' },
  after_release: { zh: '该车已放行', en: 'the vehicle has already been released' },
  positive_result: { zh: '该车有阳性结果', en: 'the vehicle has a positive result' },
  retest_ordered: { zh: '已安排复检', en: 'a retest is ordered' },
  already_sampled: { zh: '该车已采样', en: 'the vehicle has already been sampled' },
  not_sampled: { zh: '该车尚未采样', en: 'the vehicle has not been sampled' },
  no_result: { zh: '未给出检测结果', en: 'no result given' },
  after_positive: {
    zh: '阳性结果后的阴性结果（不予采信）',
    en: 'a negative after a positive result (not accepted)',
  },
  already_released: { zh: '该车已放行', en: 'the vehicle has already been released' },
  already_at_destination: { zh: '该车已到目的地', en: 'the vehicle is already at its destination' },
  not_at_destination: { zh: '该车尚未到目的地', en: 'the vehicle is not at its destination' },
  already_handed_over: { zh: '该车已接驳', en: 'the vehicle has already been handed over' },
  already_departed: { zh: '该车已离开', en: 'the vehicle has already departed' },
  no_positive_result: { zh: '无阳性结果', en: 'no positive result' },
  no_deadline: { zh: '未给出时限', en: 'no deadline given' },

  // Test receipts.
  no_negative_result: {
    zh: '该闭环没有可出具凭证的阴性结果或已查验的证明',
    en: 'the loop has no negative result or checked certificate to certify',
  },
  sample_in_future: {
    zh: '采样时间晚于服务器时间（手机时间偏快），到该时间后才能出具凭证',
    en: 'the sample time lies ahead of the server clock (the phone’s clock runs ahead); a receipt can be issued once that time has passed',
  },
  receipt_expired: {
    zh: '阴性结果已超过 48 小时，司机须重新检测',
    en: 'the negative result is more than 48 hours old; the driver must be tested again',
  },

  // Scanner devices: enrolment, registration, revocation (devices/routes.ts).
  enrollment_not_found: {
    zh: '没有这个设备注册码，或已被取消',
    en: 'no enrolment with this code, or it was cancelled',
  },
  enrollment_used: {
    zh: '该设备注册码已使用过，请向协调员索取新的注册码',
    en: 'this enrolment code was already used; ask a coordinator for a new one',
  },
  enrollment_expired: {
    zh: '该设备注册码已过期，请向协调员索取新的注册码',
    en: 'this enrolment code has expired; ask a coordinator for a new one',
  },
  invalid_device_key: {
    zh: '设备公钥须为 ECDSA P-256 或 Ed25519 公钥',
    en: 'the device key must be a public ECDSA P-256 or Ed25519 key',
  },
  device_revoked: {
    zh: '该设备已被停用',
    en: 'this device was revoked',
  },
  device_already_revoked: {
    zh: '该设备已停用',
    en: 'the device is already revoked',
    says: [['device {id} is already revoked', '设备 {id} 已停用']],
  },
  // The device check of every API request (devices/device-check.ts).
  device_unknown: {
    zh: '该设备未在本系统注册',
    en: 'this device is not enrolled here',
  },
  device_signature_invalid: {
    zh: '设备签名缺失或与请求不符',
    en: 'the device signature is missing or does not match the request',
  },
  device_time_in_future: {
    zh: '设备签名时间比服务器时间快 5 分钟以上，请检查手机的日期、时间和时区',
    en: 'the device signed this more than 5 minutes ahead of the server; check the phone’s clock',
  },
  device_wrong_checkpoint: {
    zh: '该设备未注册到此检查点',
    en: 'this device is not enrolled at this checkpoint',
    says: [['this device is not enrolled at checkpoint {code}', '该设备未注册到检查点 {code}']],
  },
  device_required: {
    zh: '检查点记录须由已注册的扫码设备提交',
    en: 'checkpoint records must come from an enrolled scanner device',
  },

  // The audit log.
  invalid_period: { zh: '起始时间须早于结束时间', en: 'from must be before to' },
  no_audit_head: { zh: '审计日志尚未封存', en: 'the audit log has not been sealed yet' },

  // Personal data: a coordinator's reveal (src/personal-data/reveal.ts).
  personal_data_erased: {
    zh: '该记录的个人信息已按保存期限规定删除',
    en: 'the personal data of this record was deleted under the retention rule',
    says: [
      [
        'the personal data of this record was deleted under the retention rule',
        '该记录的个人信息已按保存期限规定删除',
      ],
    ],
  },
  // A subject's request (src/personal-data/subject.ts).
  subject_records_changed: {
    zh: '删除过程中相关记录一直在变化，请重试',
    en: 'the records changed while they were being erased; try again',
    says: [
      [
        'the records changed while they were being erased; try again',
        '删除过程中相关记录一直在变化，请重试',
      ],
    ],
  },
}

/**
 * What the API says about one field (`details[].message`, and the project's own validation
 * messages in the schemas), in both languages. zod's built-in messages come from zod's locales.
 */
export const FIELD_TEXTS: readonly (readonly [en: string, zh: string])[] = [
  // Schemas' own rules.
  [
    '18-character resident ID number with a valid check digit (GB 11643)',
    '应为 18 位居民身份证号码，且校验位正确（GB 11643）',
  ],
  [
    '18-character unified social credit code with a valid check character (GB 32100)',
    '应为 18 位统一社会信用代码，且校验码正确（GB 32100）',
  ],
  [
    'a Chinese plate: province character, letter, then 5 characters (6 for new-energy)',
    '应为中国车牌：省份简称、字母，再加 5 位（新能源车 6 位）',
  ],
  ['an 11-digit mobile number', '应为 11 位手机号码'],
  ['at least one crew member', '至少填写一名司乘人员'],
  ['at most 3 crew members', '司乘人员最多 3 人'],
  ['a 6-digit region code (GB/T 2260)', '应为 6 位行政区划代码（GB/T 2260）'],
  ['12 digits', '应为 12 位数字'],
  ['send the token or a pass_number', '请扫描二维码或输入通行证编号'],
  [
    'an https address without user or password (plain http only to localhost)',
    '应为 https 地址，且不含用户名和密码（仅本机地址可用 http）',
  ],
  [
    'send the keys (jwks) or the address to fetch them from (jwks_url)',
    '请填写公钥，或填写获取公钥的地址',
  ],
  ['could not be fetched', '无法获取'],
  ['an address to fetch the keys from is needed', '须填写获取公钥的地址'],
  ['not a public Ed25519 key set', '不是 Ed25519 公钥集'],
  ['letters, digits and . _ @ - only', '只能包含字母、数字和 . _ @ -'],
  ['letters, digits, _ and - only', '只能包含字母、数字和 _ -'],
  ['at least 8 characters', '至少 8 位'],
  ['base64url of a 32-byte Ed25519 public key', '应为 32 字节 Ed25519 公钥的 base64url 编码'],
  [
    'a real date (YYYY-MM-DD) or an ISO 8601 time with offset',
    '应为真实日期（年-月-日）或带时区的时间',
  ],
  ['must include pcr', '须包含核酸检测'],
  ['data nested too deep', '数据嵌套过深'],
  ['data too large', '数据过大'],
  ['at most 500 events per request', '每次最多提交 500 条记录'],
  ['a China-time day, YYYY-MM-DD', '应为日期（北京时间，年-月-日）'],
  ['not the start of a slot', '不是预约时段的起点'],
  ['no live booking of yours for this vehicle', '没有您名下该车辆的有效预约'],
  // Dates and times (applications/real-date-time.ts).
  [
    'an ISO 8601 date and time with an offset, e.g. 2026-03-01T08:00:00+08:00',
    '应为带时区的日期时间，如 2026-03-01T08:00:00+08:00',
  ],
  ['{month} is not a month', '{month} 不是有效月份'],
  [
    '{date} is not a calendar date (that month has {n} days)',
    '{date} 不是有效日期（该月只有 {n} 天）',
  ],
  ['{time} is not a time of day', '{time} 不是有效时刻'],
  [
    '{offset} is not a UTC offset (they run from -12:00 to +14:00)',
    '{offset} 不是有效时区（应在 -12:00 到 +14:00 之间）',
  ],
  // Validity windows (applications/rules.ts).
  ['must be after valid_from', '须晚于有效期起'],
  ['must be in the future', '须在未来'],
  ['must not be before today', '不能早于今天'],
  ['must start within {n} days from now', '须在 {n} 天内开始'],
  ['a pass is valid for at most {n} days', '通行证有效期最长 {n} 天'],
  [
    'required when confirm_other_firm is true: why the other firm’s pass is to be superseded',
    '确认替代其他企业的通行证时必填：说明为何替代',
  ],
  [
    'required when the reason is other (or no reason_code is given)',
    '驳回原因为“其他原因”（或未选原因）时必填',
  ],
  ['HH:MM-HH:MM, e.g. 06:00-22:00', '应为“时:分-时:分”，如 06:00-22:00'],
  // Stations: closing, and the board's day (stations/routes.ts, station-board-routes.ts).
  ['required when closing', '关闭时必填'],
  ['YYYY-MM-DD', '应为“年-月-日”，如 2026-11-29'],
  ['not a date', '不是有效日期'],
  // A coordinator's event refused by a loop flag: the flag's own text (`{=code}`) says why.
  [
    'the loop’s events do not allow {kind} now ({flag}); read the loop again',
    '{=code}，现在不能进行此操作；请刷新闭环后再看',
  ],
  // Per-field details beside an error code.
  ['no such region', '没有这个地区'],
  ['no such station', '没有这个中转站'],
  ['no such checkpoint', '没有这个检查点'],
  ['none of your kept vehicles', '不是本企业已保存的车辆'],
  ['not the kept vehicle’s plate {plate}', '与所选车辆的车牌号 {plate} 不符'],
  ['required without vehicle_id', '未选择已保存的车辆时必填'],
  ['no such enterprise', '没有这家企业'],
  ['unknown: {codes}', '不存在：{codes}'],
  ['bad cursor', '翻页参数有误'],
  ['must lie ahead', '须在未来'],
  ['at most 7 days ahead', '最多 7 天后'],
  ['after to', '晚于结束时间'],
  ['before expected_from', '早于开始时间'],
  ['in the past', '已过去'],
  ['window too long', '时段过长'],
  ['a {kind} checkpoint', '该检查点不是道路或高速出口检查点'],
  ['no valid pass of yours for this vehicle', '您没有该车辆的有效通行证'],
  ['must differ from the current password', '新密码不能与当前密码相同'],
  ['not your current password', '当前密码不正确'],
  ['ahead of the server clock', '晚于服务器当前时间'],
  ['own issuer', '本系统自己的签发机关'],
  ['an enterprise account must name its enterprise_id', '企业账号须指定所属企业'],
  ['only an enterprise account is bound to an enterprise', '只有企业账号才能绑定企业'],
  ['a checkpoint account must name at least one checkpoint code', '检查点账号须至少指定一个检查点'],
  ['only a checkpoint account is bound to checkpoints', '只有检查点账号才能绑定检查点'],
  ['not a public P-256 or Ed25519 key', '不是 P-256 或 Ed25519 公钥'],
  // A bulk file's header and cells (applications/bulk).
  ['unknown column', '无法识别的列名'],
  ['missing column', '缺少该列'],
  ['column given twice', '该列重复出现'],
  [
    'a date and time such as 2026-12-05 08:00 (China time)',
    '应为日期和时间，如 2026-12-05 08:00（北京时间）',
  ],
  [
    'not a cargo category: use a word from the list on the upload page',
    '不是可选的货物类别，请填写上传页面列出的类别',
  ],
]

/** Status words that appear inside English messages (`the pass is already revoked`). */
export const STATUS_WORDS_ZH: Record<string, string> = {
  active: '有效',
  revoked: '已撤销',
  superseded: '已被替代',
  expired: '已过期',
  cancelled: '已取消',
  arrived: '已到站',
  no_show: '已过时未到',
  submitted: '待审批',
  approved: '已批准',
  rejected: '已驳回',
  withdrawn: '已撤回',
  gone: '已不存在',
  pending: '待审核',
  suspended: '暂停',
  removed: '移出',
  national: '国家级',
  provincial: '省级',
  municipal: '市级',
  admin: '管理员',
  coordinator: '专班',
  enterprise: '企业',
  checkpoint: '检查点',
  retest_ordered: '安排复检',
  coordinator_closed: '专班闭环',
  deadline_set: '专班调整到达时限',
  closed_by_coordinator: '由专班闭环',
  handled_off_loop: '已移交处置',
}
