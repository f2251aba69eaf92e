// Text of the arrival-slot booking on the pass page (issue 20), Chinese first; `en` must have every
// key (typed as `typeof zh`). Words for API codes go in `words`, shared with the page scripts.

const zh = {
  bookingTitle: '预约到站时段',
  bookingIntro: '目的地为中转站的通行证可预约到站时段（北京时间，每个时段 1 小时）。',
  bookingCurrent: '已预约：{time}（北京时间）',
  bookingNone: '尚未预约到站时段。',
  bookingDate: '日期',
  bookingShowSlots: '查看时段',
  bookingSlot: '可预约时段',
  bookingRoomLeft: '剩余 {n} 个名额',
  bookingNoSlots: '该日没有可预约的时段，请换一天。',
  bookingBook: '预约',
  bookingMove: '改约到此时段',
  bookingBooked: '已预约到站时段',
  bookingMoved: '已改约',
  bookingCancel: '取消预约',
  bookingCancelConfirm: '取消该预约？名额将释放给其他车辆。',
  bookingCancelled: '已取消预约',
  bookingStationClosed: '该中转站已关闭，暂不能预约。',
  bookingStationClosedWhy: '该中转站已关闭，暂不能预约。原因：{reason}',
  bookingPassNotActive: '通行证不在有效状态，不能预约。',
  bookingNotice_station_closed: '提示：中转站已关闭，请改约或联系中转站。',
  bookingNoticeOther: '提示：该预约有变动，请查看时段后改约。',
  bookingAskedUnbooked: '申请时选择的到站时段已满，请重新预约',
  applyArrivalSlot: '期望到站时段（整点，北京时间）',
  applyArrivalSlotHint: '批准时自动预约；时段已满时可在通行证页面另选',
}

const en: typeof zh = {
  bookingTitle: 'Book an arrival slot',
  bookingIntro:
    'A pass bound for a transfer station can book the hour it arrives there (China time, one-hour slots).',
  bookingCurrent: 'Booked: {time} (China time)',
  bookingNone: 'No arrival slot booked yet.',
  bookingDate: 'Date',
  bookingShowSlots: 'Show slots',
  bookingSlot: 'Slots with room',
  bookingRoomLeft: '{n} places left',
  bookingNoSlots: 'No slot with room on this day: try another day.',
  bookingBook: 'Book',
  bookingMove: 'Move to this slot',
  bookingBooked: 'Arrival slot booked',
  bookingMoved: 'Booking moved',
  bookingCancel: 'Cancel the booking',
  bookingCancelConfirm: 'Cancel this booking? Its place goes to other vehicles.',
  bookingCancelled: 'Booking cancelled',
  bookingStationClosed: 'The station is closed: no bookings for now.',
  bookingStationClosedWhy: 'The station is closed: no bookings for now. Reason: {reason}',
  bookingPassNotActive: 'The pass is not active: it cannot book.',
  bookingNotice_station_closed:
    'Notice: the station is closed; move the booking or contact the station.',
  bookingNoticeOther: 'Notice: this booking has changed; check the slots and move it.',
  bookingAskedUnbooked: 'The arrival slot chosen when applying was full: please book again',
  applyArrivalSlot: 'Arrival slot wanted (on the hour, China time)',
  applyArrivalSlotHint:
    'Booked on approval; if the slot is full by then, choose another on the pass page',
}

export const bookingMessages = { zh, en }

/** No words of its own: a booking's notice is said by `bookingNotice_<notice>` above. */
export const bookingWords: { zh: Record<string, string>; en: Record<string, string> } = {
  zh: {},
  en: {},
}
