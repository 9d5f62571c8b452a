// The scanner's service worker (served as /scan/sw.js, scope /scan/): a scanner page visited once opens again
// without a network, a reload included. Pages are fetched from the network first (a fresh sign-in token, the
// latest jobs) and kept; without a network the kept copy answers. Scripts, icons and the manifest are kept too.
// API calls are never touched: scans wait in the page's own queue (localStorage) until they can be sent.
const CACHE = "scanner-v1";
const SHELL = ["/static/scanner.js", "/static/vendor/jsQR.js", "/static/pages.js", "/static/icons/scanner-192.png", "/static/icons/scanner-512.png"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    await Promise.all((await caches.keys()).filter((name) => name !== CACHE).map((name) => caches.delete(name)));
    // The page that installed this worker was loaded before it: keep that page too, so the very first visit counts.
    const pages = (await self.clients.matchAll({ type: "window", includeUncontrolled: true }))
      .map((client) => new URL(client.url))
      .filter((url) => url.origin === self.location.origin && url.pathname.startsWith("/scan/"));
    const cache = await caches.open(CACHE);
    await Promise.all(pages.map((url) => cache.add(url.origin + url.pathname).catch(() => {})));
    await self.clients.claim();
  })());
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then(async (response) => {
    if (response.ok) await cache.put(key, response.clone());
    return response;
  });
  const kept = await cache.match(key);
  if (!kept) return network;
  // A network that is there but crawling must not keep the gate waiting: after three seconds the kept copy answers
  // (and the fresh one, when it comes, is kept for next time).
  return Promise.race([network.catch(() => kept), new Promise((resolve) => setTimeout(() => resolve(kept), 3000))]);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/scan/")) {
    // Kept by path: the access code travels in the fragment, and ?lang= is remembered in a cookie.
    event.respondWith(networkFirst(request, url.origin + url.pathname));
  } else if (url.pathname.startsWith("/static/") || url.pathname === "/scan/manifest.webmanifest") {
    event.respondWith(networkFirst(request, request.url));
  }
});
