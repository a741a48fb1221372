/* Fascia: the service worker of the patient's home-exercise pages, served as /p/sw.js so
   that its scope is /p/.

   It keeps the last copy of each exercise page and of the stylesheets and scripts the page
   names (sent by exercises.js once the worker is ready) in the browser's own storage on
   the patient's phone. A page is fetched from the network first; only when the network
   fails is the kept copy shown. A page the server no longer serves (410: replaced or
   expired; 404) is forgotten. Nothing is sent anywhere by this worker, and ticks (POST)
   are never kept or replayed: offline, they fail and the page says so. */
const CACHE = "fascia-exercises-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.keep) || [];
  const own = urls.filter((url) => new URL(url, self.location).origin === self.location.origin);
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      Promise.all(own.map((url) => cache.add(new Request(url, { credentials: "same-origin" })).catch(() => {}))),
    ),
  );
});

async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    const url = new URL(request.url);
    const key = url.origin + url.pathname;
    if (response.ok) {
      await cache.put(key, response.clone());
    } else if (response.status === 404 || response.status === 410) {
      await cache.delete(key);
    }
    return response;
  } catch (error) {
    const url = new URL(request.url);
    const kept = await cache.match(url.origin + url.pathname);
    if (kept) return kept;
    throw error;
  }
}

async function asset(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/p/")) {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request));
  }
});
