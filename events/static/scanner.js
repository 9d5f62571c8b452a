// The scanner page: reads tickets (camera or typed code), checks QR signatures on the phone, keeps a queue
// of scans that survives a dead network and a closed tab, and syncs it, idempotently, when the network returns.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("scanner-config").textContent);
  const text = config.text;
  const queueKey = `scanner-queue:${config.kind}:${config.target_id}`;
  const tokenKey = `scanner-token:${config.target_id}`;
  const $ = (id) => document.getElementById(id);

  // Once visited, the page opens without a network: the service worker keeps it and its scripts (events/static/scanner-sw.js).
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/scan/sw.js", { scope: "/scan/" }).catch(() => {});

  // A volunteer's access code arrives in the link's fragment (never sent to the server in a URL) or is typed in.
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("access");
  if (fromLink) { localStorage.setItem(tokenKey, fromLink); history.replaceState(null, "", location.pathname); }
  const token = () => config.token || localStorage.getItem(tokenKey) || "";

  const load = () => JSON.parse(localStorage.getItem(queueKey) || "[]");
  const save = (queue) => { localStorage.setItem(queueKey, JSON.stringify(queue)); $("pending").textContent = text.pending.replace("{n}", queue.length); $("pending").dataset.count = queue.length; };
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join(""));

  // The big banner belongs to the latest scan, and only to it: an answer about an older queued scan goes to the list,
  // so a volunteer never reads the previous person's result while the next one stands at the gate.
  let latest = null;
  function banner(kind, message, nonce) {
    if (nonce && nonce !== latest) return;
    const status = $("status");
    status.hidden = false;
    status.textContent = message;
    status.className = `status status-${kind}`;
    status.dataset.result = kind;
  }
  // One line per scan in the list, updated in place when the server answers.
  function line(nonce, kind, message, detail) {
    let item = nonce && document.querySelector(`#results [data-nonce="${nonce}"]`);
    if (!item) {
      item = document.createElement("li");
      if (nonce) item.dataset.nonce = nonce;
      $("results").prepend(item);
      while ($("results").children.length > 30) $("results").lastChild.remove();
    }
    item.className = `result result-${kind}`;
    item.dataset.result = kind;
    item.textContent = detail ? `${message} · ${detail}` : message;
  }
  function show(kind, message, { nonce = null, detail = "" } = {}) {
    line(nonce, kind, message, detail);
    banner(kind, message, nonce);
  }

  // Typed short codes: Crockford's base32, read as the server reads them (events/tickets.py short_code):
  // any case, spaces and hyphens ignored, O as 0, I and L as 1.
  const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  function shortCode(typed) {
    const code = typed.replace(/[\s-]/g, "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
    return code.length === 8 && [...code].every((c) => ALPHABET.includes(c)) ? code : null;
  }
  const spaced = (code) => `${code.slice(0, 4)}-${code.slice(4)}`;

  // Offline check of a QR payload: T1.<base64url(registration 16 | stop 16 | Ed25519 signature 64)>.
  const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
  const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  const asUuid = (bytes) => hex(bytes).replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, "$1-$2-$3-$4-$5");
  let keyPromise = null;
  async function verifyLocally(ticket) {
    if (!crypto.subtle) return "unknown";
    try {
      keyPromise = keyPromise || crypto.subtle.importKey("raw", b64(config.public_key), { name: "Ed25519" }, false, ["verify"]);
      const raw = b64(ticket.slice(3));
      if (raw.length !== 96) return "forged";
      const ok = await crypto.subtle.verify({ name: "Ed25519" }, await keyPromise, raw.slice(32), new Uint8Array([...new TextEncoder().encode("T1."), ...raw.slice(0, 32)]));
      if (!ok) return "forged";
      return asUuid(raw.slice(16, 32)) === config.stop_id ? "valid" : "ticket_other_stop";
    } catch (error) {
      return "unknown"; // a browser without Ed25519 in WebCrypto: the server decides
    }
  }

  async function scan(typed) {
    let ticket = typed.trim();
    if (!ticket) return;
    const nonce = uuid();
    let local = "unknown";
    if (ticket.startsWith("T1.")) {
      local = await verifyLocally(ticket);
    } else {
      const code = shortCode(ticket);
      // Neither a QR payload nor a short code: nothing the server could admit, so nothing to queue.
      if (!code) { latest = nonce; show("refused", text.malformed, { nonce }); return; }
      ticket = code;
    }
    latest = nonce;
    // Every scan gets its own answer at once, network or not.
    if (local === "valid") show("queued", text.valid_offline, { nonce });
    else if (local === "forged" || local === "ticket_other_stop") show("refused", text[local], { nonce });
    else {
      const label = ticket.startsWith("T1.") ? "" : spaced(ticket);
      show("queued", (navigator.onLine ? text.checking : text.saved_typed).replace("{code}", label).trim(), { nonce });
    }
    const scanItem = { kind: config.kind, ticket, nonce, scanned_at: new Date().toISOString(), device: navigator.userAgent.slice(0, 100) };
    scanItem[config.kind === "check_in" ? "stop_id" : "booth_id"] = config.target_id;
    const asked = [...document.querySelectorAll("#jobs input:checked")];
    if (asked.length) { scanItem.job_ids = asked.map((box) => box.value); asked.forEach((box) => { box.checked = false; }); }
    const queue = load();
    queue.push(scanItem);
    save(queue);
    flush();
  }

  // A typed code that was "being checked" when the network failed is "saved, checked when online" instead.
  function stillWaiting() {
    for (const item of load()) {
      if (item.ticket.startsWith("T1.")) continue;
      const entry = document.querySelector(`#results [data-nonce="${item.nonce}"]`);
      if (entry && entry.dataset.result === "queued") show("queued", text.saved_typed.replace("{code}", spaced(item.ticket)), { nonce: item.nonce });
    }
  }

  let flushing = false;
  let retry = null;
  async function flush() {
    if (flushing) return;
    const queue = load();
    if (!queue.length) return;
    flushing = true;
    clearTimeout(retry);
    retry = null;
    const batch = queue.slice(0, 500);
    try {
      const response = await fetch(config.sync_url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
        body: JSON.stringify({ scans: batch }),
      });
      if (response.status === 401) { show("refused", text.access_needed); $("access").hidden = false; return; }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const { results } = await response.json();
      const done = new Set(results.map((r) => r.nonce));
      save(load().filter((s) => !done.has(s.nonce)));
      $("network").textContent = "";
      for (const r of results) {
        const first = r.first_at ? new Date(r.first_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
        // Words only: a code the page has no words for is "not admitted", never the code itself.
        if (r.result === "refused") show("refused", text[r.code] || text.refused_other, { nonce: r.nonce });
        else if (r.result.startsWith("already")) show("repeat", text.repeat.replace("{time}", first), { nonce: r.nonce, detail: r.seeker_name || "" });
        else show("ok", text.ok, { nonce: r.nonce, detail: r.seeker_name || "" });
        if (r.booking && r.result !== "refused") showBooking(r.nonce, r.booking);
        if (r.result !== "refused" && r.nonce === latest) offerNote(r);
      }
    } catch (error) {
      $("network").textContent = text.offline;
      stillWaiting();
      retry = setTimeout(flush, 3000);
    } finally {
      flushing = false;
    }
    if (load().length && !retry) setTimeout(flush, 200);
  }

  // A visitor who booked an interview slot here (issue 14): the slot's time under the scan, and one tap to mark them come.
  function showBooking(nonce, booking) {
    const item = document.querySelector(`#results [data-nonce="${nonce}"]`);
    if (!item || !text.booked) return;
    const at = new Date(booking.starts_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    const note = document.createElement("span");
    note.className = "booking";
    note.textContent = ` · ${text.booked.replace("{time}", at)}`;
    item.append(note);
    if (booking.status === "attended") { note.textContent += ` · ${text.marked}`; return; }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = text.mark_attended;
    button.addEventListener("click", async () => {
      button.disabled = true;
      const response = await fetch(`/api/bookings/${booking.id}/attendance`, {
        method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` }, body: JSON.stringify({ attended: true }),
      }).catch(() => null);
      if (response && response.ok) { button.remove(); note.textContent += ` · ${text.marked}`; } else { button.disabled = false; }
    });
    item.append(" ", button);
  }
  // The one-tap note (HR at a booth only): after the latest scan is counted, a star saves the visitor's rating at once;
  // a line of text can go with it. It needs the network; a failure says so and the visitor list takes the note later.
  let noteFor = null;
  let noteRating = null;
  function offerNote(result) {
    const form = $("quick-note");
    if (!form || !config.note_url || !result.registration_id) return;
    noteFor = result.registration_id;
    noteRating = null;
    form.hidden = false;
    $("quick-note-who").textContent = result.seeker_name || "";
    $("quick-note-text").value = "";
    $("quick-note-status").textContent = "";
    form.querySelectorAll("[data-rating]").forEach((b) => b.setAttribute("aria-pressed", "false"));
  }
  async function saveNote() {
    const words = JSON.parse($("quick-note-words").textContent);
    $("quick-note-status").textContent = "";
    // Only what was tapped or typed: the note's other fields (written from the visitor list) stay.
    const body = {};
    if (noteRating) body.rating = noteRating;
    if ($("quick-note-text").value.trim()) body.text = $("quick-note-text").value.trim();
    try {
      const response = await fetch(config.note_url.replace("{registration_id}", noteFor), {
        method: "PUT",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
        body: JSON.stringify(body),
      });
      $("quick-note-status").textContent = response.ok ? words.saved : words.failed;
      $("quick-note-status").dataset.saved = response.ok ? "yes" : "no";
    } catch (error) {
      $("quick-note-status").textContent = words.failed;
      $("quick-note-status").dataset.saved = "no";
    }
  }
  if ($("quick-note")) {
    $("quick-note").querySelectorAll("[data-rating]").forEach((button) => button.addEventListener("click", () => {
      noteRating = Number(button.dataset.rating);
      $("quick-note").querySelectorAll("[data-rating]").forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
      saveNote();
    }));
    $("quick-note").addEventListener("submit", (event) => { event.preventDefault(); saveNote(); });
  }

  $("typed").addEventListener("submit", (event) => { event.preventDefault(); scan($("code").value); $("code").value = ""; $("code").focus(); });
  $("access").addEventListener("submit", (event) => { event.preventDefault(); localStorage.setItem(tokenKey, $("access-code").value.trim()); $("access").hidden = true; flush(); });
  window.addEventListener("online", flush);
  window.addEventListener("offline", () => { $("network").textContent = text.offline; stillWaiting(); });
  // Scans kept from before a reload are listed as waiting, so the volunteer sees what is still to sync.
  for (const item of load().reverse()) {
    line(item.nonce, "queued", item.ticket.startsWith("T1.") ? text.valid_offline : text.saved_typed.replace("{code}", spaced(item.ticket)));
  }
  save(load());
  if (!token()) $("access").hidden = false;
  flush();

  // The camera: the browser's own BarcodeDetector where it has one, jsQR on canvas frames elsewhere.
  let lastSeen = "", lastAt = 0;
  $("camera").addEventListener("click", async () => {
    const video = $("video");
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) { show("refused", text.no_camera); return; }
    video.hidden = false;
    await video.play();
    const detector = "BarcodeDetector" in window ? new BarcodeDetector({ formats: ["qr_code"] }) : null;
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const tick = async () => {
      let value = null;
      if (detector) {
        const codes = await detector.detect(video).catch(() => []);
        value = codes.length ? codes[0].rawValue : null;
      } else if (video.videoWidth) {
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const found = window.jsQR(context.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
        value = found ? found.data : null;
      }
      // One person held in front of the camera is one scan, not thirty a second.
      if (value && (value !== lastSeen || Date.now() - lastAt > 4000)) { lastSeen = value; lastAt = Date.now(); scan(value); }
      requestAnimationFrame(tick);
    };
    tick();
  });
})();
