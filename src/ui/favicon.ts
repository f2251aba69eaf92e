// The site's icon: a pass (a rounded card) with a tick, in the pages' accent blue. SVG text in the
// code, so Node and Workers serve the very same bytes with no asset pipeline and no external URL.
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<rect x="4" y="4" width="56" height="56" rx="12" fill="#1d4ed8"/>
<path d="M18 33l9 9 19-20" fill="none" stroke="#fff" stroke-width="7" stroke-linecap="round" stroke-linejoin="round"/>
</svg>
`
