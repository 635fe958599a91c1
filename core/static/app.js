// Small progressive enhancements; every page works without JavaScript.
(() => {
  const SHORT = 12; // a cell of at most this many characters (a date, a status, a name, a figure) keeps to one line
  const DATE = /^\d{4}-\d{2}(-\d{2})?( \d{2}:\d{2}(:\d{2})?)?$/;

  // Tables: short cells never wrap, long ones grow; tables with a header turn into stacked cards on phones.
  function enhanceTable(table) {
    const head = table.tHead && table.tHead.rows[0];
    const labels = [];
    if (head) {
      for (const th of head.cells) {
        const text = th.textContent.replace(/\s+/g, " ").trim();
        for (let i = 0; i < (th.colSpan || 1); i++) labels.push(text);
      }
    }
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let col = 0;
        for (const cell of row.cells) {
          const text = cell.textContent.replace(/\s+/g, " ").trim();
          if (cell.tagName === "TD") {
            if (text.length <= SHORT || DATE.test(text)) cell.classList.add("nw");
            else if (text.length > 24) cell.classList.add("grow");
            if (labels[col] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", labels[col]);
          }
          col += cell.colSpan || 1;
        }
        // the card's title: the row's first link outside the actions (its name), else its first cell
        const title = [...row.cells].find((c) => c.tagName === "TD" && !c.classList.contains("actions") && c.querySelector("a"));
        (title || row.cells[0]).classList.add("card-title");
      }
    }
    if (head && labels.length >= 4 && !table.classList.contains("no-cards")) table.classList.add("cards");
  }

  // Filters: on phones one "筛选" control opens the form; the active filters show as chips that remove themselves.
  function enhanceFilters(form, i18n) {
    if ((form.getAttribute("method") || "get").toLowerCase() !== "get") return;
    const fields = [...form.querySelectorAll("input[name], select[name]")]
      .filter((el) => !["hidden", "submit", "button"].includes(el.type) && !["page", "page_size"].includes(el.name));
    if (fields.length < 2) return; // a lone search box stays as it is
    const params = new URLSearchParams(window.location.search);
    const bar = document.createElement("div");
    bar.className = "filter-bar";
    const toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "filter-toggle";
    toggle.setAttribute("aria-expanded", "false");
    const active = [];
    for (const el of fields) {
      if (el.type === "checkbox" ? !el.checked : !el.value) continue;
      if (!params.has(el.name)) continue; // a default value, not something the user chose
      const label = el.closest("label");
      const name = label ? (label.firstChild && label.firstChild.textContent || "").trim() : el.name;
      const value = el.tagName === "SELECT" ? el.options[el.selectedIndex].text : (el.type === "checkbox" ? "" : el.value);
      active.push([el.name, name, value]);
    }
    toggle.textContent = active.length ? `${i18n.filter} (${active.length})` : i18n.filter;
    toggle.addEventListener("click", () => {
      const open = form.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
    bar.appendChild(toggle);
    for (const [param, name, value] of active) {
      const rest = new URLSearchParams(params);
      rest.delete(param);
      rest.delete("page");
      const chip = document.createElement("a");
      chip.className = "chip";
      chip.href = `${form.getAttribute("action") || window.location.pathname}?${rest}`;
      chip.title = i18n.remove;
      const span = document.createElement("span");
      span.textContent = value ? `${name}：${value}` : name;
      chip.append(span, " ×");
      bar.appendChild(chip);
    }
    form.classList.add("collapsible");
    form.before(bar);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const i18n = { filter: document.body.dataset.filterLabel || "筛选", remove: document.body.dataset.removeLabel || "移除" };
    const toggle = document.querySelector(".menu-toggle");
    const nav = document.getElementById("sidenav");
    if (toggle && nav) {
      toggle.addEventListener("click", () => {
        const open = nav.classList.toggle("open");
        toggle.setAttribute("aria-expanded", String(open));
      });
    }
    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
    document.querySelectorAll("main table").forEach(enhanceTable);
    document.querySelectorAll("main form.filters").forEach((form) => enhanceFilters(form, i18n));
  });
})();
