import { Table } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words, type Lang } from '../../i18n.ts'
import { Data } from './shown.tsx'

// The hand-over manifest as the loop page and the firm's audit report show it (issue 20).

export interface ShownReceiver {
  plate: string
  pieces: number
  seal_number: string | null
  flag: string | null
  at: string
}

/** One row per receiving vehicle; `truck` adds the handing truck's plate (the report's many loops). */
export function ReceiversTable(props: {
  lang: Lang
  receivers: readonly (ShownReceiver & { truck?: string })[]
  withTruck?: boolean
}) {
  const t = MESSAGES[props.lang]
  return (
    <Table
      label={t.hoReceivers}
      empty={t.hoNone}
      head={[
        ...(props.withTruck ? [t.hoTruckPlate] : []),
        t.hoReceivingPlate,
        t.hoPieces,
        t.hoSeal,
        t.hoAt,
        t.hoFlag,
      ]}
      rows={props.receivers.map((r) => [
        ...(props.withTruck ? [<Data>{r.truck ?? ''}</Data>] : []),
        <Data>{r.plate}</Data>,
        String(r.pieces),
        r.seal_number ? <Data>{r.seal_number}</Data> : '',
        chinaTime(r.at),
        r.flag ? (
          <span class="flag" data-receiver-flag>
            {`⚠ ${words(props.lang, r.flag)}`}
          </span>
        ) : (
          ''
        ),
      ])}
    />
  )
}
