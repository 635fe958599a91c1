// Import progress: polls the job's status URL and reloads the page when the job has finished.
// Without JavaScript the page refreshes itself (<noscript> meta refresh) and has a "刷新" link.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-import-status]");
  if (!box) return;
  const url = box.getAttribute("data-import-status");
  const bar = box.querySelector("[data-import-bar]");
  const text = box.querySelector("[data-import-text]");
  let failures = 0;
  const poll = () => {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((s) => {
        failures = 0;
        if (!s.running) { window.location.reload(); return; }
        if (bar) bar.value = s.percent;
        if (text) text.textContent = "已处理 " + s.processed + " 行" + (s.total ? " / 约 " + s.total + " 行" : "");
        window.setTimeout(poll, 1500);
      })
      .catch(() => { failures += 1; if (failures < 5) window.setTimeout(poll, 3000); });
  };
  window.setTimeout(poll, 1000);
});
