// Roster helpers: filter members as you type (with the match count), Enter ticks an
// exact or single match (never unticks), keyboard ticking, "came last time".
// The roster works without this script (plain checkboxes and a submit button).
"use strict";

(function () {
  const form = document.querySelector("[data-roster]");
  if (!form) return;
  const search = form.querySelector("[data-roster-search]");
  const lastButton = form.querySelector("[data-select-last]");
  const counter = form.querySelector("[data-roster-count]");
  const status = form.querySelector("[data-roster-status]");
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

  // Compare form: accents removed, case folded, punctuation as spaces.
  function norm(text) {
    return (text || "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/['\u2019`]/g, "").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  // Every typed word must start a word of the row ("Li Na" finds Li Na, not Anna
  // Lindqvist, whose words merely contain "li" and "na").
  function filter() {
    const words = norm(search.value).split(" ").filter(Boolean);
    rows.forEach(function (row) {
      const hay = " " + norm(row.dataset.search) + " ";
      row.hidden = !words.every(function (w) { return hay.indexOf(" " + w) !== -1; });
    });
    say(words.length ? matchText(visibleRows().length) : "");
  }

  function matchText(n) {
    return n === 1 ? "1 match: Enter ticks it" : n + " matches" + (n ? ": keep typing" : "");
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  // Enter ticks the exact match (the whole name as typed) or the only match; it never
  // unticks, and with several matches it only says how many there are.
  function tickOnEnter() {
    const query = norm(search.value);
    if (!query) return;
    const shown = visibleRows();
    const exact = shown.filter(function (row) { return norm(row.dataset.name) === query; });
    const target = exact.length === 1 ? exact[0] : shown.length === 1 ? shown[0] : null;
    if (!target) {
      say(matchText(shown.length));
      return;
    }
    const box = target.querySelector("input[type=checkbox]");
    const name = target.dataset.name;
    if (box && box.checked) {
      say(name + " is already ticked");
    } else if (box && !box.disabled) {
      box.checked = true;
      say(name + " ticked");
    }
    search.value = "";
    rows.forEach(function (row) { row.hidden = false; });
    updateCount();
  }

  if (search) {
    search.hidden = false;
    search.addEventListener("input", filter);
    search.addEventListener("keydown", function (event) {
      const shown = visibleRows();
      if (event.key === "Enter") {
        event.preventDefault();
        tickOnEnter();
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
