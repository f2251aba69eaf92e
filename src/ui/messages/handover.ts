// Text of the hand-over manifest (issue 20): the scan page's hand-over form, the loop page and the
// firm's audit report. Chinese first; `en` must have every key (typed as `typeof zh`).
// Words for API codes go in `words`, shared with the page scripts.

const zh = {
  hoReceivers: '交接车辆',
  hoReceivingPlate: '接驳车车牌',
  hoPieces: '件数',
  hoSeal: '封签号',
  hoSealOptional: '封签号（可选）',
  hoAt: '交接时间（北京时间）',
  hoTruckPlate: '货车车牌',
  hoNone: '尚无交接记录',
  hoFlag: '风险提示',
  hoFigReceivers: '交接车辆数',
  hoNVehicles: '{n} 辆',
  hoFigFlagged: '其中有来自中高风险地区未闭环记录的车辆',
  // The scan page's hand-over step.
  hoFormTitle: '交接清单：货物交给了哪些本地车辆',
  hoAddVehicle: '再加一辆车',
  hoRemoveVehicle: '删除此车',
  hoRecord: '记录交接',
  hoPlateNeeded: '请输入正确的接驳车车牌',
  hoPiecesNeeded: '件数须为 1 以上的整数',
  hoSealTooLong: '封签号不超过 32 个字符',
  hoVehicleN: '第 {n} 辆',
}

const en: typeof zh = {
  hoReceivers: 'Receiving vehicles',
  hoReceivingPlate: 'Receiving plate',
  hoPieces: 'Pieces',
  hoSeal: 'Seal number',
  hoSealOptional: 'Seal number (optional)',
  hoAt: 'Handed over (China time)',
  hoTruckPlate: 'Truck plate',
  hoNone: 'No hand-over recorded yet',
  hoFlag: 'Risk note',
  hoFigReceivers: 'Receiving vehicles',
  hoNVehicles: '{n}',
  hoFigFlagged: 'Of them with an open loop from a medium- or high-risk area',
  hoFormTitle: 'Hand-over manifest: which local vehicles took the goods',
  hoAddVehicle: 'Add another vehicle',
  hoRemoveVehicle: 'Remove this vehicle',
  hoRecord: 'Record the hand-over',
  hoPlateNeeded: 'Enter the receiving vehicle’s plate correctly',
  hoPiecesNeeded: 'Pieces must be a whole number of at least 1',
  hoSealTooLong: 'A seal number has at most 32 characters',
  hoVehicleN: 'Vehicle {n}',
}

export const handoverMessages = { zh, en }

export const handoverWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {
    receiver_open_loop: '接驳车有来自中高风险地区的未闭环记录',
    invalid_manifest: '交接清单有误',
  },
  en: {
    receiver_open_loop: 'The receiving vehicle has an open loop from a medium- or high-risk area',
    invalid_manifest: 'The hand-over manifest is not valid',
  },
}
