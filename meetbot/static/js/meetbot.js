// meetbot: small progressive enhancements, no build step. Pages work without it.
"use strict";

(function () {
  const STORAGE_KEY = "meetbot.zone";

  function viewerZone() {
    const picker = document.querySelector("[data-tz-picker]");
    const stored = window.localStorage ? localStorage.getItem(STORAGE_KEY) : null;
    if (stored) return stored;
    if (picker && picker.dataset.savedZone) return picker.dataset.savedZone;
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  }

  // Rewrite every <time data-local-time> into the viewer's zone, keeping the
  // meeting's own zone in the title (and beside it when it differs).
  function localizeTimes(zone) {
    const fmt = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "2-digit", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", timeZone: zone, timeZoneName: "short",
    });
    document.querySelectorAll("time[data-local-time]").forEach(function (el) {
      if (!el.dataset.original) el.dataset.original = el.textContent;
      const when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      let text = fmt.format(when);
      const own = el.dataset.zone;
      if (own && own !== zone) {
        const ownFmt = new Intl.DateTimeFormat(undefined, {
          hour: "2-digit", minute: "2-digit", timeZone: own, timeZoneName: "short",
        });
        text += " · " + ownFmt.format(when) + " " + own;
      }
      el.textContent = text;
      el.title = el.dataset.original;
    });
    document.querySelectorAll("[data-viewer-zone]").forEach(function (el) {
      el.textContent = zone;
    });
  }

  function setupPicker() {
    const picker = document.querySelector("[data-tz-picker]");
    if (!picker) return;
    const zones = (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : ["UTC"]);
    const current = viewerZone();
    zones.forEach(function (z) {
      const opt = document.createElement("option");
      opt.value = z;
      opt.textContent = z;
      if (z === current && localStorage.getItem(STORAGE_KEY)) opt.selected = true;
      picker.appendChild(opt);
    });
    picker.addEventListener("change", function () {
      if (picker.value) localStorage.setItem(STORAGE_KEY, picker.value);
      else localStorage.removeItem(STORAGE_KEY);
      localizeTimes(viewerZone());
    });
  }

  // Copy-to-clipboard buttons: <button data-copy="text">.
  function setupCopy() {
    document.querySelectorAll("[data-copy]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        const text = btn.getAttribute("data-copy");
        const done = function () { btn.textContent = "Copied"; };
        if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, done);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupPicker();
    localizeTimes(viewerZone());
    setupCopy();
  });

  window.meetbot = { viewerZone: viewerZone, localizeTimes: localizeTimes };
})();
