// Roster helpers: filter members as you type, keyboard ticking, "came last time".
// The roster works without this script (plain checkboxes and a submit button).
"use strict";

(function () {
  const form = document.querySelector("[data-roster]");
  if (!form) return;
  const search = form.querySelector("[data-roster-search]");
  const lastButton = form.querySelector("[data-select-last]");
  const counter = form.querySelector("[data-roster-count]");
  const rows = Array.from(form.querySelectorAll("[data-roster-row]"));

  function boxes() {
    return Array.from(form.querySelectorAll("input[type=checkbox][name=present]"));
  }

  function visibleRows() {
    return rows.filter(function (row) { return !row.hidden; });
  }

  function updateCount() {
    if (!counter) return;
    const ticked = boxes().filter(function (b) { return b.checked; }).length;
    counter.textContent = ticked + " ticked";
  }

  function filter() {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    rows.forEach(function (row) {
      const hay = row.dataset.search || "";
      row.hidden = !words.every(function (w) { return hay.indexOf(w) !== -1; });
    });
  }

  if (search) {
    search.hidden = false;
    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      const shown = visibleRows();
      if (event.key === "Enter") {
        // Enter ticks the only (or first) match and clears the search for the next name.
        event.preventDefault();
        if (shown.length >= 1) {
          const box = shown[0].querySelector("input[type=checkbox]");
          if (box && !box.disabled) box.checked = !box.checked;
          search.value = "";
          filter();
          updateCount();
        }
      } else if (event.key === "ArrowDown" && shown.length) {
        event.preventDefault();
        const box = shown[0].querySelector("input[type=checkbox]");
        if (box) box.focus();
      }
    });
  }

  // Arrow keys move between checkboxes; Space toggles (native); Escape returns to search.
  form.addEventListener("keydown", function (event) {
    const target = event.target;
    if (!(target instanceof HTMLInputElement) || target.type !== "checkbox") return;
    const shown = visibleRows().map(function (r) { return r.querySelector("input[type=checkbox]"); });
    const i = shown.indexOf(target);
    if (event.key === "ArrowDown" && i < shown.length - 1) {
      event.preventDefault(); shown[i + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      if (i > 0) shown[i - 1].focus(); else if (search) search.focus();
    } else if (event.key === "Escape" && search) {
      search.focus();
    }
  });

  if (lastButton) {
    lastButton.hidden = false;
    lastButton.addEventListener("click", function () {
      form.querySelectorAll("input[data-last-time]").forEach(function (box) {
        if (!box.disabled) box.checked = true;
      });
      updateCount();
    });
  }
  form.addEventListener("change", updateCount);
  updateCount();
})();
