// The credit code on the add-employer form, checked as it is typed (progressive enhancement: the server checks it again on submit).
(() => {
  "use strict";
  const input = document.querySelector("input[data-credit-check]");
  if (!input) return;
  const status = document.getElementById("credit-code-status");
  let asked = 0;
  const say = (text, ok) => { status.textContent = text; status.style.color = ok ? "#1a7f37" : (ok === false ? "#82071e" : ""); };
  input.addEventListener("input", async () => {
    const code = input.value.trim().toUpperCase();
    const mine = ++asked;
    if (code.length === 0) { say(""); return; }
    if (code.length < 18) { say(input.dataset.short.replace("{n}", 18 - code.length)); return; }
    const response = await fetch(`${input.dataset.creditCheck}?code=${encodeURIComponent(code)}`, { headers: { Accept: "application/json" } });
    if (mine !== asked || !response.ok) return;
    const check = await response.json();
    if (!check.valid) say(input.dataset.invalid, false);
    else if (check.taken) say(input.dataset.taken, false);
    else say(input.dataset.valid, true);
  });
})();
