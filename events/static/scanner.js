// The scanner page: reads tickets (camera or typed code), checks QR signatures on the phone, keeps a queue
// of scans that survives a dead network and a closed tab, and syncs it, idempotently, when the network returns.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("scanner-config").textContent);
  const text = config.text;
  const queueKey = `scanner-queue:${config.kind}:${config.target_id}`;
  const tokenKey = `scanner-token:${config.target_id}`;
  const $ = (id) => document.getElementById(id);

  // A volunteer's access code arrives in the link's fragment (never sent to the server in a URL) or is typed in.
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("access");
  if (fromLink) { localStorage.setItem(tokenKey, fromLink); history.replaceState(null, "", location.pathname); }
  const token = () => config.token || localStorage.getItem(tokenKey) || "";

  const load = () => JSON.parse(localStorage.getItem(queueKey) || "[]");
  const save = (queue) => { localStorage.setItem(queueKey, JSON.stringify(queue)); $("pending").textContent = text.pending.replace("{n}", queue.length); $("pending").dataset.count = queue.length; };
  const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join(""));

  function show(kind, message, detail) {
    const item = document.createElement("li");
    item.className = `result result-${kind}`;
    item.dataset.result = kind;
    item.textContent = detail ? `${message} · ${detail}` : message;
    $("results").prepend(item);
    while ($("results").children.length > 30) $("results").lastChild.remove();
    $("status").textContent = message;
    $("status").className = `status status-${kind}`;
  }

  // Offline check of a QR payload: T1.<base64url(registration 16 | stop 16 | Ed25519 signature 64)>.
  const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
  const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  const asUuid = (bytes) => hex(bytes).replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, "$1-$2-$3-$4-$5");
  let keyPromise = null;
  async function verifyLocally(ticket) {
    if (!ticket.startsWith("T1.") || !crypto.subtle) return "unknown";
    try {
      keyPromise = keyPromise || crypto.subtle.importKey("raw", b64(config.public_key), { name: "Ed25519" }, false, ["verify"]);
      const raw = b64(ticket.slice(3));
      if (raw.length !== 96) return "forged";
      const ok = await crypto.subtle.verify({ name: "Ed25519" }, await keyPromise, raw.slice(32), new Uint8Array([...new TextEncoder().encode("T1."), ...raw.slice(0, 32)]));
      if (!ok) return "forged";
      return asUuid(raw.slice(16, 32)) === config.stop_id ? "valid" : "wrong_stop";
    } catch (error) {
      return "unknown"; // a browser without Ed25519 in WebCrypto: the server decides
    }
  }

  async function scan(ticket) {
    ticket = ticket.trim();
    if (!ticket) return;
    const local = await verifyLocally(ticket);
    if (local === "forged" || local === "wrong_stop") { show("refused", text[local]); }
    const scanItem = { kind: config.kind, ticket, nonce: uuid(), scanned_at: new Date().toISOString(), device: navigator.userAgent.slice(0, 100) };
    scanItem[config.kind === "check_in" ? "stop_id" : "booth_id"] = config.target_id;
    const asked = [...document.querySelectorAll("#jobs input:checked")];
    if (asked.length) { scanItem.job_ids = asked.map((box) => box.value); asked.forEach((box) => { box.checked = false; }); }
    const queue = load();
    queue.push(scanItem);
    save(queue);
    if (local === "valid") show("queued", text.valid_offline);
    flush();
  }

  let flushing = false;
  async function flush() {
    if (flushing) return;
    const queue = load();
    if (!queue.length) return;
    flushing = true;
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
      for (const r of results) {
        const first = r.first_at ? new Date(r.first_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
        if (r.result === "refused") show("refused", text[r.code] || r.code, r.code);
        else if (r.result.startsWith("already")) show("repeat", text.repeat.replace("{time}", first), r.seeker_name || "");
        else show("ok", text.ok, r.seeker_name || "");
      }
    } catch (error) {
      $("network").textContent = text.offline;
      setTimeout(flush, 3000);
    } finally {
      flushing = false;
      if (navigator.onLine) $("network").textContent = "";
    }
    if (load().length) setTimeout(flush, 200);
  }

  $("typed").addEventListener("submit", (event) => { event.preventDefault(); scan($("code").value); $("code").value = ""; $("code").focus(); });
  $("access").addEventListener("submit", (event) => { event.preventDefault(); localStorage.setItem(tokenKey, $("access-code").value.trim()); $("access").hidden = true; flush(); });
  window.addEventListener("online", flush);
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
