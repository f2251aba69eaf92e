/// <reference lib="webworker" />
// Keeps the scan page and its script available with no network, so staff can reload it offline.
const sw = self as unknown as ServiceWorkerGlobalScope
const CACHE = 'tongxing-scan-v1'
const SHELL = ['/ui/scan', '/ui/assets/scan.js']

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => sw.skipWaiting()),
  )
})
sw.addEventListener('activate', (event) => event.waitUntil(sw.clients.claim()))
sw.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (event.request.method !== 'GET' || !SHELL.includes(url.pathname)) return
  // Network first (fresh page when online), the cached copy when not.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        const copy = response.clone()
        void caches.open(CACHE).then((cache) => cache.put(event.request, copy))
        return response
      })
      .catch(async () => (await caches.match(event.request)) ?? Response.error()),
  )
})
