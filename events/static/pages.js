// Small behaviours of the student and organiser pages, kept out of the HTML so the pages can forbid inline scripts.
(() => {
  "use strict";
  // Forms that undo something ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => { if (!confirm(form.dataset.confirm)) event.preventDefault(); });
  }
  // Signed out: the scanner pages this phone kept for offline use (events/static/scanner-sw.js) carry the sign-in that
  // just ended, so they go; a volunteer's pages (their access code lives in the link, not in the page) are not kept by sign-in.
  if (new URLSearchParams(location.search).has("signed_out") && window.caches) {
    caches.open("scanner-v1").then(async (cache) => {
      for (const request of await cache.keys()) {
        if (new URL(request.url).pathname.startsWith("/scan/") && !request.url.endsWith(".webmanifest")) await cache.delete(request);
      }
      document.documentElement.dataset.scannerPagesForgotten = "1";
    });
  }
  // The dashboard refreshes its numbers, at most every two seconds, when a scan is counted anywhere.
  const report = document.getElementById("report");
  if (report && report.dataset.live) {
    const source = new EventSource(report.dataset.live);
    let pending = null;
    source.addEventListener("ready", () => { document.getElementById("live").hidden = false; });
    source.addEventListener("count", () => {
      if (pending) return;
      pending = setTimeout(async () => {
        pending = null;
        const response = await fetch(report.dataset.refresh);
        if (response.ok) report.innerHTML = await response.text();
      }, 2000);
    });
  }
})();
