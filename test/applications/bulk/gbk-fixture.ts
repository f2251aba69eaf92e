// Bulk-upload files as Excel on Chinese Windows saves them: GBK bytes, CRLF, Chinese header. Kept
// as base64 so the same test runs inside workerd (no file system there). The file (decoded):
//
//   车牌号,货物类别,始发地区县代码,目的中转站代码,目的地区县代码,目的地地址,路线,有效期开始,有效期结束,司乘1姓名,司乘1身份证号,司乘1手机号,司乘2姓名,司乘2身份证号,司乘2手机号
//   浙A10001,生活必需品,310115,HZ-XS-01,,,G60 沪昆高速 → 萧山出口 → 空港中转站,{FROM},{UNTIL},王五,330702198503121239,13812345678,,,
//   浙A10002,医疗物资,310115,HZ-XS-01,,,G60 沪昆高速 → 萧山出口,{FROM},{UNTIL},赵六,330702198503121230,13812345678,,,
//   浙A10003,能源,310115,,330109,萧山区机场路 1 号,G60 沪昆高速,{FROM},{UNTIL},钱七,330702198503121239,13812345678,,,
//
//   浙A10004,medical,330109,,330109,萧山区机场路 8 号,市区道路,{FROM},{UNTIL},孙八,330702198503121239,13812345678,周九,330702199001014569,13900001111
//
// Line 3 has a wrong ID check digit, line 4 goes from a high-risk area to a firm's own site (a
// transfer station is required), line 5 is blank; lines 2 and 6 (two crew) are good. {FROM} and {UNTIL} are ASCII
// placeholders, replaced byte for byte (ASCII is the same in GBK).
const MIXED_GBK_BASE64 =
  's7XFxrrFLLv1zu/A4LHwLMq8t6K12Mf4z9i0+sLrLMS/tcTW0Neq1b60+sLrLMS/tcS12Mf4z9i0+sLrLMS/tcS12L' +
  'XY1rcswrfP3yzT0NCnxtq/qsq8LNPQ0KfG2r3hyvgsy76zyzHQ1cP7LMu+s8sxye233dakusUsy76zyzHK1rv6usUs' +
  'y76zyzLQ1cP7LMu+s8syye233dakusUsy76zyzLK1rv6usUNCtXjQTEwMDAxLMn6u+6x2NDoxrcsMzEwMTE1LEhaLV' +
  'hTLTAxLCwsRzYwILumwKW438vZIKH6IM/0yb2z9r/aIKH6IL/VuNvW0Neq1b4se0ZST019LHtVTlRJTH0szfXO5Swz' +
  'MzA3MDIxOTg1MDMxMjEyMzksMTM4MTIzNDU2NzgsLCwNCtXjQTEwMDAyLNK9wcbO79fKLDMxMDExNSxIWi1YUy0wMS' +
  'wsLEc2MCC7psCluN/L2SCh+iDP9Mm9s/a/2ix7RlJPTX0se1VOVElMfSzV1MH5LDMzMDcwMjE5ODUwMzEyMTIzMCwx' +
  'MzgxMjM0NTY3OCwsLA0K1eNBMTAwMDMsxNzUtCwzMTAxMTUsLDMzMDEwOSzP9Mm9x/i7+rOhwrcgMSC6xSxHNjAgu6' +
  'bApbjfy9kse0ZST019LHtVTlRJTH0sx67G3ywzMzA3MDIxOTg1MDMxMjEyMzksMTM4MTIzNDU2NzgsLCwNCg0K1eNB' +
  'MTAwMDQsbWVkaWNhbCwzMzAxMDksLDMzMDEwOSzP9Mm9x/i7+rOhwrcgOCC6xSzK0Mf4tcDCtyx7RlJPTX0se1VOVE' +
  'lMfSzL77DLLDMzMDcwMjE5ODUwMzEyMTIzOSwxMzgxMjM0NTY3OCzW3L7FLDMzMDcwMjE5OTAwMTAxNDU2OSwxMzkw' +
  'MDAwMTExMQ0K'

const ascii = (text: string) => Uint8Array.from(text, (ch) => ch.charCodeAt(0))

/** `bytes` with each ASCII `{NAME}` replaced by its value (ASCII too). */
export function fillPlaceholders(bytes: Uint8Array, values: Record<string, string>): Uint8Array {
  let out = [...bytes]
  for (const [name, value] of Object.entries(values)) {
    const from = [...ascii(`{${name}}`)]
    const to = [...ascii(value)]
    const next: number[] = []
    for (let i = 0; i < out.length;) {
      if (from.every((b, j) => out[i + j] === b)) {
        next.push(...to)
        i += from.length
      } else next.push(out[i++]!)
    }
    out = next
  }
  return Uint8Array.from(out)
}

/** The mixed GBK file with its validity window filled in. */
export const mixedGbkFile = (from: string, until: string) =>
  fillPlaceholders(
    Uint8Array.from(atob(MIXED_GBK_BASE64), (ch) => ch.charCodeAt(0)),
    { FROM: from, UNTIL: until },
  )
