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

  // Pickers (core/components/Picker.jinja): a long <select> becomes a search box over the
  // app's JSON search (typed query, 20 matches a page, "更多…" for the next); arrow keys,
  // Enter and Escape work; the hidden <select> keeps the value the form posts.
  let pickers = 0;
  function enhancePicker(select) {
    const url = select.dataset.picker;
    const id = `picker-${++pickers}`;
    const wrap = document.createElement("span");
    wrap.className = "picker";
    const input = document.createElement("input");
    input.type = "text";
    input.autocomplete = "off";
    input.placeholder = select.dataset.pickerPlaceholder || "";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", `${id}-list`);
    if (select.getAttribute("aria-label")) input.setAttribute("aria-label", select.getAttribute("aria-label"));
    input.setAttribute("aria-invalid", select.getAttribute("aria-invalid") || "false");
    const list = document.createElement("ul");
    list.id = `${id}-list`;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    const chosenText = () => (select.selectedIndex >= 0 && select.value ? select.options[select.selectedIndex].text : "");
    input.value = chosenText();
    select.before(wrap);
    wrap.append(input, list, select);
    select.hidden = true;
    select.tabIndex = -1;
    let page = 1, active = -1, timer = null, query = "", seq = 0;

    const options = () => [...list.querySelectorAll("[role=option]")];
    const close = () => {
      list.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    };
    const mark = (i) => {
      const items = options();
      if (!items.length) return;
      active = (i + items.length) % items.length;
      items.forEach((el, j) => el.setAttribute("aria-selected", String(j === active)));
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    };
    const choose = (value, text) => {
      let opt = [...select.options].find((o) => o.value === String(value));
      if (!opt) {
        opt = new Option(text, value);
        select.add(opt);
      }
      select.value = String(value);
      input.value = text;
      close();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    };
    const load = async (reset) => {
      if (reset) page = 1;
      const mine = ++seq;
      const sep = url.includes("?") ? "&" : "?";
      let data;
      try {
        const resp = await fetch(`${url}${sep}q=${encodeURIComponent(query)}&page=${page}`,
          { headers: { Accept: "application/json" }, credentials: "same-origin" });
        if (!resp.ok) return;
        data = await resp.json();
      } catch (e) {
        return;
      }
      if (mine !== seq) return; // a later query answered first
      const before = reset ? 0 : options().length - 1;
      if (reset) list.replaceChildren();
      list.querySelectorAll(".picker-more, .picker-none").forEach((el) => el.remove());
      for (const item of data.items) {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = `${id}-${item.id}`;
        li.dataset.value = item.id;
        li.dataset.text = item.label;
        li.textContent = item.label;
        if (item.hint) {
          const hint = document.createElement("small");
          hint.textContent = item.hint;
          li.append(hint);
        }
        list.append(li);
      }
      if (data.more) {
        const li = document.createElement("li");
        li.setAttribute("role", "option");
        li.id = `${id}-more`;
        li.className = "picker-more";
        li.textContent = select.dataset.pickerMore || "…";
        list.append(li);
      }
      if (!list.children.length) {
        const li = document.createElement("li");
        li.className = "picker-none";
        li.textContent = select.dataset.pickerNone || "—";
        list.append(li);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      mark(Math.max(before, 0));
    };
    const pick = (li) => {
      if (li.classList.contains("picker-more")) {
        page += 1;
        load(false);
      } else {
        choose(li.dataset.value, li.dataset.text);
      }
    };
    input.addEventListener("input", () => {
      query = input.value.trim();
      if (!input.value && [...select.options].some((o) => o.value === "")) select.value = "";
      clearTimeout(timer);
      timer = setTimeout(() => load(true), 200);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (list.hidden) {
          query = input.value === chosenText() ? "" : input.value.trim();
          load(true);
        } else mark(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (!list.hidden) mark(active - 1);
      } else if (event.key === "Enter") {
        if (!list.hidden) {
          event.preventDefault();
          const items = options();
          if (items[active]) pick(items[active]);
        }
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
        input.value = chosenText();
      }
    });
    list.addEventListener("mousedown", (event) => {
      const li = event.target.closest("[role=option]");
      if (li) {
        event.preventDefault(); // keep the focus in the box
        pick(li);
      }
    });
    input.addEventListener("blur", () => {
      close();
      if (input.value.trim() === "" && [...select.options].some((o) => o.value === "")) select.value = "";
      input.value = chosenText();
    });
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
    document.querySelectorAll("select[data-picker]").forEach(enhancePicker);
    document.querySelectorAll("main table").forEach(enhanceTable);
    document.querySelectorAll("main form.filters").forEach((form) => enhanceFilters(form, i18n));
  });
})();
