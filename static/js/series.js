// Series form: add/remove time slots and a live preview of the next 10 meetings.
// Without JavaScript the form shows spare slot rows and a "Preview" button instead.
"use strict";

(function () {
  function setup(form) {
    const rowsBox = form.querySelector("[data-slot-rows]");
    const addBtn = form.querySelector("[data-add-slot]");
    const previewBox = form.querySelector("[data-preview]");
    const previewUrl = form.dataset.previewUrl;
    let timer = null;
    let seq = 0;

    function rows() { return Array.from(rowsBox.querySelectorAll("[data-slot-row]")); }

    function isBlank(row) {
      const key = row.querySelector("input[type=hidden][name$='-key']");
      const date = row.querySelector("input[name$='-start_date']");
      const label = row.querySelector("input[name$='-label']");
      return !(key && key.value) && !(date && date.value) && !(label && label.value);
    }

    function renumber(row, index) {
      row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          const v = el.getAttribute(attr);
          if (v) el.setAttribute(attr, v.replace(/^slots-\d+-/, "slots-" + index + "-"));
        });
      });
    }

    function clearRow(row) {
      // A cloned row's zone list belongs to the row it came from: the picker makes a
      // new one on first focus.
      row.querySelectorAll(".zone-options").forEach(function (el) { el.remove(); });
      row.querySelectorAll("[data-zone-ready]").forEach(function (el) {
        delete el.dataset.zoneReady;
        ["role", "aria-expanded", "aria-controls", "aria-activedescendant"].forEach(function (a) {
          el.removeAttribute(a);
        });
      });
      row.querySelectorAll("input, select").forEach(function (el) {
        if (el.type === "radio") el.checked = false;
        else if (el.type === "hidden") el.value = "";
        else if (el.tagName === "SELECT") el.selectedIndex = 0;
        else if (el.name.endsWith("-duration_minutes")) el.value = "60";
        else if (el.name.endsWith("-interval")) el.value = "1";
        else el.value = "";
      });
      row.querySelectorAll(".error").forEach(function (el) { el.remove(); });
      row.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
      showMonthly(row);
    }

    function rowField(row, suffix) { return row.querySelector("[name$='-" + suffix + "']"); }

    // "Which one in the month" only matters for monthly rows.
    function showMonthly(row) {
      const freq = rowField(row, "frequency");
      const setpos = rowField(row, "setpos");
      if (freq && setpos) setpos.closest(".field").hidden = freq.value !== "monthly";
    }

    function dayOf(value) {  // "2026-03-17" -> 0 (Monday) .. 6 (Sunday), or -1
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
      if (!m) return -1;
      return (new Date(+m[1], +m[2] - 1, +m[3]).getDay() + 6) % 7;
    }

    function isoDate(d) {
      return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" +
        String(d.getDate()).padStart(2, "0");
    }

    // Weekly rows: the day buttons show the first date's day, and choosing a day moves
    // the first date forward to it (the server does the same without JavaScript).
    function syncWeekday(row, target) {
      const freq = rowField(row, "frequency");
      const date = rowField(row, "start_date");
      if (!freq || !date || freq.value !== "weekly") return;
      const day = dayOf(date.value);
      if (target === date && day >= 0) {
        const radio = row.querySelector("input[type=radio][value='" + day + "']");
        if (radio) radio.checked = true;
      } else if (target.type === "radio" && day >= 0) {
        const wanted = parseInt(target.value, 10);
        const m = date.value.split("-");
        const d = new Date(+m[0], +m[1] - 1, +m[2] + ((wanted - day + 7) % 7));
        date.value = isoDate(d);
      }
    }

    // A field the person changes loses its old server message (it may be fixed now).
    function clearFieldError(el) {
      const box = el.closest(".field, .weekday-buttons");
      if (!box) return;
      box.querySelectorAll(".error:not([data-live])").forEach(function (p) { p.remove(); });
      box.classList.remove("has-error");
      box.querySelectorAll("[aria-invalid]").forEach(function (i) { i.removeAttribute("aria-invalid"); });
    }

    function wireRow(row) {
      const remove = row.querySelector("[data-remove-slot]");
      if (!remove) return;
      remove.hidden = false;
      remove.addEventListener("click", function () {
        if (rows().length > 1) row.remove(); else clearRow(row);
        schedule();
      });
    }

    // With JavaScript the spare empty rows go (one stays if there is nothing else);
    // more come from "Add a time slot".
    const filled = rows().filter(function (row) { return !isBlank(row); });
    rows().forEach(function (row, i) {
      if (isBlank(row) && (filled.length || i > 0)) row.remove();
      else wireRow(row);
    });
    seq = 1000;  // new rows get indices that never clash with the server's

    if (addBtn) {
      addBtn.hidden = false;
      addBtn.addEventListener("click", function () {
        const template = rows()[0];
        const row = template.cloneNode(true);
        clearRow(row);
        renumber(row, seq++);
        rowsBox.appendChild(row);
        wireRow(row);
        const first = row.querySelector("input:not([type=hidden])");
        if (first) first.focus();
      });
    }

    function showErrors(errors) {
      form.querySelectorAll(".error[data-live]").forEach(function (el) { el.remove(); });
      Object.keys(errors).forEach(function (id) {
        const input = document.getElementById(id);
        if (!input) return;
        const p = document.createElement("p");
        p.className = "error";
        p.dataset.live = "1";
        p.textContent = errors[id];
        input.insertAdjacentElement("afterend", p);
      });
    }

    function render(data) {
      previewBox.textContent = "";
      if (!data.occurrences || !data.occurrences.length) {
        const p = document.createElement("p");
        p.className = "muted";
        p.textContent = Object.keys(data.errors || {}).length
          ? "Fix the marked fields to see the meetings."
          : "No meetings.";
        previewBox.appendChild(p);
        return;
      }
      const table = document.createElement("table");
      table.className = "preview-table";
      const head = table.createTHead().insertRow();
      const viewer = window.meetbot ? window.meetbot.viewerZone() : undefined;
      ["Slot", "Local (slot zone)", "Series zone (" + data.timezone + ")",
        "Your time (" + (viewer || "browser").replace(/_/g, " ") + ")", "UTC"].forEach(function (h) {
        const th = document.createElement("th");
        th.textContent = h;
        head.appendChild(th);
      });
      const body = table.createTBody();
      const mine = new Intl.DateTimeFormat(undefined, {
        weekday: "short", day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit",
        timeZone: viewer, timeZoneName: "short",
      });
      data.occurrences.forEach(function (o) {
        const tr = body.insertRow();
        [o.slot, o.local, o.series_zone, mine.format(new Date(o.start)), o.utc].forEach(function (v) {
          tr.insertCell().textContent = v;
        });
      });
      previewBox.appendChild(table);
    }

    function refresh() {
      const body = new FormData(form);
      fetch(previewUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json" },
      }).then(function (r) {
        if (r.status !== 200) throw new Error("preview failed");
        return r.json();
      }).then(function (data) {
        showErrors(data.errors || {});
        render(data);
      }).catch(function () { /* keep the last preview */ });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    }

    rows().forEach(showMonthly);
    form.addEventListener("input", function (e) { clearFieldError(e.target); schedule(); });
    form.addEventListener("change", function (e) {
      const row = e.target.closest("[data-slot-row]");
      if (row) { syncWeekday(row, e.target); showMonthly(row); }
      clearFieldError(e.target);
      schedule();
    });
    const previewButton = form.querySelector("[data-preview-button]");
    if (previewButton) previewButton.hidden = true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-series-form]").forEach(setup);
  });
})();
