import type { Deps } from '../../../app-env.ts'
import {
  vehiclesQuery,
  vehicleView,
  type VehicleView,
} from '../../../vehicles/vehicles.repository.ts'
import type { VehicleKind } from '../../../vehicles/vehicle-kinds.ts'
import { MESSAGES, type Lang } from '../../i18n.ts'
import { vehicleWords } from '../../messages/vehicles.ts'
import { Data } from './shown.tsx'

/** A vehicle kind in words. Read from the vehicles' own table: `other` is also a rejection code. */
export const kindWord = (lang: Lang, kind: VehicleKind) => vehicleWords[lang][kind] ?? kind

/** The firm's kept vehicles, by plate (the API's own query: the firm's own only). */
export async function ownVehicles(deps: Deps, enterpriseId: string): Promise<VehicleView[]> {
  const rows = await vehiclesQuery(deps.store.db, { enterpriseId }).limit(500).execute()
  return rows.map(vehicleView)
}

/** A crew as shown: each member's name, masked ID number and phone. */
export function CrewShown(props: { crew: VehicleView['crew'] }) {
  return (
    <>
      {props.crew.map((m) => (
        <div>
          <Data>{m.name}</Data> {`${m.id_number} ${m.phone}`}
        </div>
      ))}
    </>
  )
}

/**
 * The apply form's "start from a saved vehicle": picking one sends `vehicle_id`, fills the plate
 * and shows the saved crew (masked) in place of the crew inputs, unless "change the crew" is
 * ticked (client/vehicle-picker.ts). A firm with none is pointed to /ui/vehicles.
 */
export function VehiclePicker(props: { lang: Lang; vehicles: VehicleView[] }) {
  const t = MESSAGES[props.lang]
  if (props.vehicles.length === 0)
    return (
      <p class="hint" data-no-vehicles>
        {t.noSavedVehicles} <a href="/ui/vehicles">{t.manageVehicles}</a>
      </p>
    )
  return (
    <fieldset data-vehicle-picker>
      <legend>{t.pickVehicle}</legend>
      <div class="field" data-field="vehicle_id">
        <label for="f-vehicle_id">
          {t.pickVehicleLabel} <span class="hint">{t.pickVehicleHint}</span>
        </label>
        <select id="f-vehicle_id" name="vehicle_id">
          <option value="">{t.pickVehicleNone}</option>
          {props.vehicles.map((v) => (
            <option value={v.id} data-plate={v.plate} class="data" lang="zh-CN">
              {v.plate}
            </option>
          ))}
        </select>
      </div>
      {props.vehicles.map((v) => (
        <div data-saved-crew={v.id} hidden>
          <p>{t.savedCrew}</p>
          <CrewShown crew={v.crew} />
        </div>
      ))}
      <div data-change-crew-box hidden>
        <label>
          <input type="checkbox" data-change-crew style="width:auto" /> {t.changeCrew}
        </label>
        <p class="hint" data-change-crew-hint hidden>
          {t.changeCrewHint}
        </p>
      </div>
      <p>
        <a href="/ui/vehicles">{t.manageVehicles}</a>
      </p>
    </fieldset>
  )
}
