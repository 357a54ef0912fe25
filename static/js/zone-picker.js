// Time-zone picker: a text input marked data-zone-picker becomes an accessible combobox
// (ARIA 1.2 list autocomplete) searching by city, country, abbreviation (CET, PST, JST)
// and old spellings (Kiev finds Kyiv), UTC first. The list comes from the server
// (domain/zone_names.py). Without JavaScript the input stays a plain text field, and
// the server checks whatever is typed either way.
"use strict";

(function () {
  const script = document.currentScript;
  const url = script && script.dataset.zonesUrl;
  const LIMIT = 12;
  let loading = null;

  function zones() {
    if (!loading) {
      loading = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { zones: [] }; })
        .then(function (data) { return data.zones || []; })
        .catch(function () { loading = null; return []; });
    }
    return loading;
  }

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[_/]/g, " ").toLowerCase().split(/\s+/).filter(Boolean).join(" ");
  }

  // The same ranking as domain/zone_names.search_zones: UTC, exact names and
  // abbreviations, cities starting with the text, the rest.
  function search(list, query) {
    const folded = fold(query);
    const words = folded.split(" ").filter(Boolean);
    function rank(z) {
      if (z.name === "UTC") return 0;
      if (z.exact.indexOf(folded) >= 0) return 1;
      return fold(z.city).indexOf(folded) === 0 ? 2 : 3;
    }
    return list
      .filter(function (z) { return words.every(function (w) { return z.keywords.indexOf(w) >= 0; }); })
      .map(function (z, i) { return [rank(z), i, z]; })
      .sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; })
      .slice(0, LIMIT)
      .map(function (x) { return x[2]; });
  }

  function setup(input) {
    if (input.dataset.zoneReady) return;
    input.dataset.zoneReady = "1";
    const listId = input.id + "-zones";
    const box = document.createElement("ul");
    box.id = listId;
    box.className = "zone-options";
    box.setAttribute("role", "listbox");
    box.setAttribute("aria-label", "Matching time zones");
    box.hidden = true;
    input.insertAdjacentElement("afterend", box);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");
    let shown = [];
    let active = -1;

    function close() {
      box.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      Array.from(box.children).forEach(function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", listId + "-" + index);
        box.children[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open(items) {
      shown = items;
      box.textContent = "";
      items.forEach(function (z, i) {
        const li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = z.label;
        const small = document.createElement("small");
        small.textContent = z.name;
        li.appendChild(small);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(z); });
        box.appendChild(li);
      });
      box.hidden = !items.length;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      highlight(-1);
    }

    function choose(z) {
      input.value = z.name;
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function refresh() {
      const text = input.value;
      zones().then(function (list) {
        if (input.value === text && document.activeElement === input) open(search(list, text));
      });
    }

    input.addEventListener("input", refresh);
    input.addEventListener("blur", close);
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        if (box.hidden) { refresh(); return; }
        const step = e.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + shown.length) % shown.length);
      } else if (e.key === "Enter" && !box.hidden && shown.length) {
        e.preventDefault();  // pick, do not submit the form
        choose(shown[active >= 0 ? active : 0]);
      } else if (e.key === "Escape" && !box.hidden) {
        e.preventDefault();
        close();
      }
    });
  }

  // Set up on first focus, so slot rows added later (cloned) get their own list.
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches("input[data-zone-picker]")) setup(e.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-zone-picker]").forEach(setup);
  });
})();
