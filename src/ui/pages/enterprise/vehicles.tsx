import type { Deps } from '../../../app-env.ts'
import type { VehicleView } from '../../../vehicles/vehicles.repository.ts'
import { VEHICLE_KINDS, type VehicleKind } from '../../../vehicles/vehicle-kinds.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { MESSAGES, type Lang } from '../../i18n.ts'
import { CrewFieldset, Field } from '../enterprise.tsx'
import { fill } from '../coordinator/shown.tsx'
import { Data } from './shown.tsx'
import { CrewShown, kindWord, ownVehicles } from './vehicle-picker.tsx'

// The firm's vehicles and their usual crews, kept once (issue 19): listed, added, changed and
// deleted through /api/v1/vehicles with the generic form script (client/app.ts).

function KindSelect(props: { lang: Lang; id: string; value?: VehicleKind }) {
  const t = MESSAGES[props.lang]
  return (
    <div class="field" data-field="kind">
      <label for={props.id}>{t.vehicleKind}</label>
      <select id={props.id} name="kind">
        {VEHICLE_KINDS.map((k) => (
          <option value={k} selected={k === props.value}>
            {kindWord(props.lang, k)}
          </option>
        ))}
      </select>
    </div>
  )
}

/** Kind and crew of one vehicle (PUT, the crew in full or left out), and its deletion. */
function VehicleEdit(props: { lang: Lang; vehicle: VehicleView }) {
  const { lang, vehicle: v } = props
  const t = MESSAGES[lang]
  const id = (name: string) => `v-${v.id}-${name}`
  const named = { plate: v.plate }
  return (
    <details class="vehicle-edit" data-vehicle-edit={v.plate}>
      <summary>
        {fill(t.editVehicleOf, { plate: '' }).trim()} <Data>{v.plate}</Data>
      </summary>
      <form
        data-api={`/api/v1/vehicles/${encodeURIComponent(v.id)}`}
        data-method="PUT"
        data-done={fill(t.vehicleSaved, named)}
        aria-label={fill(t.editVehicleOf, named)}
        novalidate
      >
        <div class="errors" role="alert" data-errors tabindex={-1}></div>
        <KindSelect lang={lang} id={id('kind')} value={v.kind} />
        <fieldset>
          <legend>{t.vehicleCrew}</legend>
          <p class="hint">{t.editVehicleHint}</p>
          {[0, 1, 2].map((n) => (
            <fieldset>
              <legend>
                {n === 0 ? t.crewMemberFirst : fill(t.crewMemberOptional, { n: n + 1 })}
              </legend>
              <div class="row">
                <CrewInput id={id(`crew-${n}-name`)} name={`crew.${n}.name`} label={t.name} />
                <CrewInput
                  id={id(`crew-${n}-id`)}
                  name={`crew.${n}.id_number`}
                  label={t.idNumber}
                />
                <CrewInput
                  id={id(`crew-${n}-phone`)}
                  name={`crew.${n}.phone`}
                  label={t.phone}
                  type="tel"
                />
              </div>
            </fieldset>
          ))}
        </fieldset>
        <p>
          <button type="submit">{t.saveVehicle}</button>
        </p>
      </form>
      <form
        data-api={`/api/v1/vehicles/${encodeURIComponent(v.id)}`}
        data-method="DELETE"
        data-confirm={fill(t.deleteVehicleConfirm, named)}
        data-done={t.vehicleDeleted}
        aria-label={`${t.deleteVehicle}: ${v.plate}`}
      >
        <div class="errors" role="alert" data-errors tabindex={-1}></div>
        <button type="submit" class="danger">
          {t.deleteVehicle}
        </button>
      </form>
    </details>
  )
}

function CrewInput(props: { id: string; name: string; label: string; type?: string }) {
  return (
    <div class="field" data-field={props.name}>
      <label for={props.id}>{props.label}</label>
      <input id={props.id} name={props.name} type={props.type ?? 'text'} autocomplete="off" />
    </div>
  )
}

export async function vehiclesPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const vehicles = await ownVehicles(deps, ctx.principal!.enterpriseId!)
  return (
    <Layout ctx={ctx} title={t.navVehicles}>
      <h1>{t.navVehicles}</h1>
      <p class="hint">{t.vehiclesIntro}</p>
      <h2 id="vehicles">{t.vehiclesHeading}</h2>
      <Table
        label={t.vehiclesHeading}
        empty={t.noVehicles}
        head={[t.plate, t.vehicleKind, t.vehicleCrew]}
        rows={vehicles.map((v) => [
          <span data-vehicle={v.plate}>
            <Data nowrap>{v.plate}</Data>
          </span>,
          kindWord(ctx.lang, v.kind),
          <CrewShown crew={v.crew} />,
        ])}
      />
      {vehicles.map((v) => (
        <VehicleEdit lang={ctx.lang} vehicle={v} />
      ))}
      <h2 id="add-vehicle">{t.addVehicle}</h2>
      <form
        data-api="/api/v1/vehicles"
        data-method="POST"
        data-done={t.vehicleAdded}
        aria-labelledby="add-vehicle"
        novalidate
      >
        <div class="errors" role="alert" data-errors tabindex={-1}></div>
        <Field name="plate" label={t.plate} hint={t.plateHint} required />
        <KindSelect lang={ctx.lang} id="f-kind" />
        <CrewFieldset lang={ctx.lang} />
        <p>
          <button type="submit" class="big">
            {t.addVehicle}
          </button>
        </p>
      </form>
    </Layout>
  )
}
