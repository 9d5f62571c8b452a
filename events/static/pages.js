// Small behaviours of the student and organiser pages, kept out of the HTML so the pages can forbid inline scripts.
(() => {
  "use strict";
  // Forms that undo something ask first.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => { if (!confirm(form.dataset.confirm)) event.preventDefault(); });
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
