// One small stylesheet: readable at a roadside at night (dark scheme, large type and targets),
// usable at 360 px wide, printable on A4 for passes. Colour pairs keep a contrast ratio ≥ 4.5.
export const STYLES = `
:root { --bg:#ffffff; --fg:#111827; --muted:#4b5563; --line:#d1d5db; --accent:#1d4ed8; --ok:#166534; --okbg:#dcfce7; --bad:#991b1b; --badbg:#fee2e2; --warnbg:#fef3c7; --warn:#78350f; }
@media (prefers-color-scheme: dark) { :root { --bg:#0b1220; --fg:#f3f4f6; --muted:#cbd5e1; --line:#334155; --accent:#93c5fd; --ok:#bbf7d0; --okbg:#14532d; --bad:#fecaca; --badbg:#7f1d1d; --warnbg:#78350f; --warn:#fef3c7; } }
* { box-sizing: border-box; }
[hidden] { display:none !important; }
body { margin:0; font: 17px/1.5 system-ui, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; background:var(--bg); color:var(--fg); }
a { color:var(--accent); }
header.top { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:center; padding:.6rem 1rem; border-bottom:1px solid var(--line); }
header.top .brand { font-weight:700; color:var(--fg); text-decoration:none; }
header.top .firm { font-weight:600; color:var(--muted); overflow-wrap:anywhere; }
header.top nav { display:flex; flex-wrap:wrap; gap:0 .8rem; order:3; flex:1 1 100%; }
header.top .account { display:flex; flex-wrap:wrap; gap:.3rem 1rem; align-items:center; margin-left:auto; }
header.top .account form { margin:0; }
nav a { display:inline-block; padding:.4rem .2rem; }
@media (max-width: 40rem) {
  header.top { padding:.5rem .75rem; }
  header.top .brand { flex:1 1 100%; }
  header.top .account { flex:1 1 100%; gap:.3rem .8rem; font-size:.95rem; }
  header.top .account button { min-height:2.6rem; padding:.3rem .6rem; }
}
main { padding:1rem; max-width:60rem; margin:0 auto; }
h1 { font-size:1.5rem; margin:.2rem 0 1rem; }
h2 { font-size:1.2rem; margin:1.5rem 0 .5rem; }
label { display:block; font-weight:600; margin:.8rem 0 .25rem; }
.hint { color:var(--muted); font-size:.9rem; font-weight:400; }
input, select, textarea, button { font:inherit; }
input, select, textarea { width:100%; padding:.6rem; border:2px solid var(--line); border-radius:.4rem; background:var(--bg); color:var(--fg); }
input:focus, select:focus, textarea:focus, button:focus, a:focus { outline:3px solid var(--accent); outline-offset:2px; }
button, .button { display:inline-block; min-height:2.9rem; padding:.55rem 1.1rem; border:0; border-radius:.4rem; background:var(--accent); color:var(--bg); font-weight:700; cursor:pointer; text-decoration:none; }
button.secondary { background:transparent; color:var(--fg); border:2px solid var(--line); }
button.danger { background:var(--bad); color:var(--bg); }
.big { font-size:1.2rem; min-height:3.6rem; width:100%; margin:.3rem 0; }
.grid { display:grid; gap:.5rem; grid-template-columns: repeat(auto-fit, minmax(9.5rem, 1fr)); }
fieldset { border:1px solid var(--line); border-radius:.4rem; margin:1rem 0; padding:.5rem 1rem 1rem; }
legend { font-weight:700; padding:0 .3rem; }
.field-error { color:var(--bad); font-weight:600; font-size:.95rem; margin:.2rem 0 0; }
.errors { background:var(--badbg); color:var(--bad); padding:.6rem 1rem; border-radius:.4rem; }
.errors:empty { display:none; }
table { width:100%; border-collapse:collapse; font-size:.95rem; }
th, td { text-align:left; padding:.45rem .4rem; border-bottom:1px solid var(--line); vertical-align:top; }
.table-wrap { overflow-x:auto; }
.badge { display:inline-block; padding:.05rem .5rem; border-radius:1rem; border:1px solid var(--line); font-size:.85rem; white-space:nowrap; }
.badge.risk-low { background:#e6f4ea; color:#14532d; border-color:#86c79a; }
.badge.risk-medium { background:#fff4d6; color:#713f12; border-color:#e0b64a; }
.badge.risk-high { background:#fde2e1; color:#7f1d1d; border-color:#e58f8a; }
.verdict { border-radius:.6rem; padding:1rem; margin:1rem 0; }
.verdict.valid { background:var(--okbg); color:var(--ok); }
.verdict.invalid { background:var(--badbg); color:var(--bad); }
.verdict .headline { font-size:2rem; font-weight:800; margin:0; }
.verdict .action { font-size:1.4rem; font-weight:700; margin:.3rem 0; }
.verdict ul { margin:.3rem 0 0; padding-left:1.2rem; font-size:1.1rem; }
.done { position:sticky; top:0; z-index:5; display:flex; gap:.5rem; align-items:center; justify-content:space-between; background:var(--okbg); color:var(--ok); font-weight:700; padding:.3rem .3rem .3rem 1rem; border-radius:.4rem; margin:0 0 1rem; box-shadow:0 2px 6px rgb(0 0 0 / .15); }
.done:empty { display:none; }
.done p { margin:0; }
.done button { min-height:2.4rem; padding:.2rem .9rem; color:var(--ok); border-color:currentColor; }
dialog.confirm { border:2px solid var(--line); border-radius:.6rem; background:var(--bg); color:var(--fg); width:min(30rem, 92vw); padding:1rem 1.2rem; }
dialog.confirm::backdrop { background:rgb(0 0 0 / .55); }
dialog.confirm p { font-size:1.15rem; font-weight:700; margin:0 0 1rem; }
.notice { background:var(--warnbg); color:var(--warn); padding:.5rem 1rem; border-radius:.4rem; }
.status-bar { display:flex; gap:1rem; flex-wrap:wrap; font-weight:600; }
video { width:100%; max-height:50vh; background:#000; border-radius:.4rem; }
.row { display:flex; gap:.5rem; flex-wrap:wrap; align-items:flex-end; }
.row > * { flex:1 1 10rem; }
.sr-only { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); }
.pass-sheet { border:3px solid var(--fg); border-radius:.5rem; padding:1.2rem; text-align:center; }
.pass-sheet .qr svg { width:min(80vw, 110mm); height:auto; background:#fff; }
.pass-sheet .plate { font-size:2.6rem; font-weight:800; letter-spacing:.1em; margin:.3rem 0; }
.pass-sheet dl { display:grid; grid-template-columns:auto 1fr; gap:.2rem 1rem; text-align:left; margin:1rem auto; max-width:40rem; }
.pass-sheet dt { font-weight:700; }
@media print {
  @page { size: A4; margin: 12mm; }
  header.top, .no-print { display:none !important; }
  body { background:#fff; color:#000; font-size:13pt; }
  main { max-width:none; padding:0; }
  .pass-sheet { border-color:#000; }
  .pass-sheet .qr svg { width:120mm; }
}
/* coordinator pages: cards of the queue and alerts, facts lists, filter tabs, struck-out withdrawn events */
.card { border:1px solid var(--line); border-radius:.6rem; padding:.8rem 1rem; margin:1rem 0; }
.card h2 { margin-top:0; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem; margin:.5rem 0 1rem; }
dl.facts dt { font-weight:700; }
dl.facts dd { margin:0; }
.tabs { display:flex; flex-wrap:wrap; gap:.3rem 1rem; margin:0 0 .5rem; }
.tabs a[aria-current] { font-weight:700; text-decoration:none; border-bottom:3px solid var(--accent); }
.pager { align-items:center; }
.pager > * { flex:0 0 auto; }
details > summary { cursor:pointer; padding:.3rem 0; }
tr.corrected td { color:var(--muted); }
.flag { color:var(--bad); font-weight:600; }
.nowrap { white-space:nowrap; }
details.revoke[open] { min-width:20rem; }
.verdict.warn { background:var(--warnbg); color:var(--warn); }
.verdict .pass-details { display:grid; grid-template-columns:max-content 1fr; gap:.2rem .8rem; margin:.6rem 0 0; font-size:1.1rem; }
.verdict .pass-details dt { font-weight:700; max-width:7em; }
.verdict .pass-details dd { margin:0; overflow-wrap:anywhere; }
.checkpoint-card h1 { margin:0; }
.checkpoint-card .checkpoint-name { font-size:1.3rem; margin:.2rem 0 .5rem; }
ol.events { padding-left:1.4rem; }
ol.events li { margin:.3rem 0; }
ol.events li.withdrawn strong { text-decoration:line-through; }
.feedback-ok { background:var(--okbg); color:var(--ok); font-weight:700; padding:.5rem 1rem; border-radius:.4rem; }
`
