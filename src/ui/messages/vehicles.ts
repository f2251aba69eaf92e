// Text of the vehicles pages, Chinese first; `en` must have every key (typed as `typeof zh`).
// Words for API codes go in `words`, shared with the page scripts.

const zh = {
  navVehicles: '车辆与司机',
  vehiclesIntro:
    '车辆和常用司乘人员只需保存一次：申请通行证时选择车辆，车牌号和司乘人员会自动填好。身份证号和手机号加密保存，只显示部分号码。',
  vehiclesHeading: '已保存的车辆',
  noVehicles: '还没有保存车辆。',
  vehicleKind: '车辆类型',
  vehicleCrew: '常用司乘人员',
  addVehicle: '保存一辆车',
  vehicleAdded: '车辆 {plate} 已保存',
  vehicleSaved: '车辆 {plate} 已更新',
  vehicleDeleted: '车辆已删除',
  editVehicleOf: '修改 {plate}',
  editVehicleHint:
    '修改司乘人员时请填写全部人员的完整信息（已保存的号码只显示部分，无法直接沿用）；只改车辆类型时可留空。',
  crewMemberOptional: '第 {n} 人（可不填）',
  crewMemberFirst: '第 1 人',
  saveVehicle: '保存修改',
  deleteVehicle: '删除车辆',
  deleteVehicleConfirm: '删除车辆 {plate}？已提交的申请和已签发的通行证不受影响。',
  vehicleActions: '操作',
  pickVehicle: '从已保存的车辆开始',
  pickVehicleLabel: '已保存的车辆',
  pickVehicleNone: '不选择，手动填写',
  pickVehicleHint: '选择后自动填入车牌号和司乘人员，只需填写本次不同的内容。',
  noSavedVehicles: '还没有保存的车辆。保存后，下次申请无需重复填写：',
  manageVehicles: '管理车辆与司机',
  savedCrew: '将使用已保存的司乘人员：',
  changeCrew: '修改司乘人员',
  changeCrewHint: '本次申请使用下面填写的人员，已保存的车辆信息不变。',
}

const en: typeof zh = {
  navVehicles: 'Vehicles & crews',
  vehiclesIntro:
    'Keep each vehicle and its usual crew once: when you apply for a pass, pick the vehicle and its plate and crew are filled in. ID numbers and phones are stored encrypted and shown only in part.',
  vehiclesHeading: 'Kept vehicles',
  noVehicles: 'No vehicles kept yet.',
  vehicleKind: 'Kind of vehicle',
  vehicleCrew: 'Usual crew',
  addVehicle: 'Keep a vehicle',
  vehicleAdded: 'Vehicle {plate} kept',
  vehicleSaved: 'Vehicle {plate} updated',
  vehicleDeleted: 'Vehicle deleted',
  editVehicleOf: 'Change {plate}',
  editVehicleHint:
    'To change the crew, give every member in full (the kept numbers are shown only in part and cannot be reused); to change only the kind, leave the crew empty.',
  crewMemberOptional: 'Member {n} (optional)',
  crewMemberFirst: 'Member 1',
  saveVehicle: 'Save changes',
  deleteVehicle: 'Delete vehicle',
  deleteVehicleConfirm:
    'Delete vehicle {plate}? Applications already made and passes already issued stay as they are.',
  vehicleActions: 'Actions',
  pickVehicle: 'Start from a saved vehicle',
  pickVehicleLabel: 'Saved vehicle',
  pickVehicleNone: 'None: fill in by hand',
  pickVehicleHint: 'Picking one fills in its plate and crew; change only what differs this time.',
  noSavedVehicles: 'No saved vehicles yet. Save one and the next application needs no retyping:',
  manageVehicles: 'Manage vehicles & crews',
  savedCrew: 'The saved crew will be used:',
  changeCrew: 'Change the crew',
  changeCrewHint: 'This application uses the people below; the saved vehicle stays as it is.',
}

export const vehicleMessages = { zh, en }

export const vehicleWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {
    heavy_truck: '重型货车',
    light_truck: '轻型货车',
    van: '厢式货车',
    refrigerated: '冷藏车',
    tanker: '罐车',
    other: '其他',
  },
  en: {
    heavy_truck: 'Heavy truck',
    light_truck: 'Light truck',
    van: 'Van',
    refrigerated: 'Refrigerated truck',
    tanker: 'Tanker',
    other: 'Other',
  },
}
