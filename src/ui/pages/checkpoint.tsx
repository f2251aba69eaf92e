// The checkpoint pages, one file each (src/ui/pages/checkpoint/).
export { scanPage } from './checkpoint/scan-page.tsx'
export { arrivalsPage } from './checkpoint/arrivals-page.tsx'
