/*
 * The apply form's "start from a saved vehicle" (pages/enterprise/vehicle-picker.tsx): picking a
 * vehicle fills the plate (read-only: the API refuses another), shows its saved crew and hides
 * the crew inputs — hidden fields are not sent, so the API uses the saved crew — unless "change
 * the crew" is ticked. Picking none gives the form back as it was.
 */
const picker = document.querySelector<HTMLSelectElement>('[data-vehicle-picker] select')
const form = picker?.form

if (picker && form) {
  const plate = form.querySelector<HTMLInputElement>('input[name="plate"]')
  const crewInputs = form.querySelector<HTMLElement>('[data-crew-inputs]')
  const changeBox = form.querySelector<HTMLElement>('[data-change-crew-box]')
  const change = form.querySelector<HTMLInputElement>('[data-change-crew]')
  const changeHint = form.querySelector<HTMLElement>('[data-change-crew-hint]')
  let filledPlate: string | null = null

  const show = () => {
    const chosen = picker.selectedOptions[0]
    const id = picker.value
    form.querySelectorAll<HTMLElement>('[data-saved-crew]').forEach((box) => {
      box.hidden = !id || box.dataset.savedCrew !== id || Boolean(change?.checked)
    })
    if (changeBox) changeBox.hidden = !id
    if (!id && change) change.checked = false
    if (changeHint) changeHint.hidden = !change?.checked
    if (crewInputs) crewInputs.hidden = Boolean(id) && !change?.checked
    if (plate) {
      if (id) {
        filledPlate = chosen?.dataset.plate ?? ''
        plate.value = filledPlate
        plate.readOnly = true
      } else {
        if (filledPlate !== null && plate.value === filledPlate) plate.value = ''
        filledPlate = null
        plate.readOnly = false
      }
    }
  }
  picker.addEventListener('change', show)
  change?.addEventListener('change', show)
  show()
}
