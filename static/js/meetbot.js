// meetbot: small progressive enhancements, no build step. Pages work without it.
//
// * <time data-local-time datetime="...Z" data-zone="Europe/Berlin" [data-end="...Z"]>
//   is shown in the viewer's zone (picker > saved zone > browser zone) with the
//   meeting's own zone beside it, plus an "in 2 hours" / "now" badge for upcoming times.
// * <button data-copy="text"> (or data-copy-target="#input-id") copies to the clipboard.
// * <form data-progress> uploads with a <progress> bar (large pastes, CSV and log files).
// * <p data-zone-param="tz" data-zone="UTC">: a page drawn on the server in a fallback
//   zone (no ?tz=, no zone in the profile) reloads with ?tz=<viewer's zone>.
"use strict";

(function () {
  const STORAGE_KEY = "meetbot.zone";
  const MINUTE = 60 * 1000;
  const HOUR = 60 * MINUTE;
  const DAY = 24 * HOUR;
  // Upcoming times further away than this get no badge: the date says enough.
  const BADGE_HORIZON = 7 * DAY;

  function storedZone() {
    try { return window.localStorage ? localStorage.getItem(STORAGE_KEY) : null; }
    catch (e) { return null; }  // storage can be disabled
  }

  function isZone(zone) {
    try { new Intl.DateTimeFormat("en", { timeZone: zone }); return true; }
    catch (e) { return false; }
  }

  function viewerZone() {
    const picker = document.querySelector("[data-tz-picker]");
    const stored = storedZone();
    if (stored && isZone(stored)) return stored;
    if (picker && picker.dataset.savedZone && isZone(picker.dataset.savedZone)) {
      return picker.dataset.savedZone;
    }
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  }

  function now() { return Date.now(); }

  // "in 5 minutes", "in 2 hours", "in 3 days", "now"; "" when no badge applies.
  // Past times get no badge (minutes items, history), except "now" while a meeting
  // whose end is known (data-end) is running.
  function relativeLabel(startMs, endMs, nowMs) {
    const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
    if (!isNaN(endMs) && nowMs >= startMs && nowMs < endMs) return "now";
    const ahead = startMs - nowMs;
    if (ahead <= 0 || ahead > BADGE_HORIZON) return "";
    if (ahead < MINUTE) return "now";
    if (ahead < HOUR) return rtf.format(Math.round(ahead / MINUTE), "minute");
    if (ahead < 2 * DAY) return rtf.format(Math.round(ahead / HOUR), "hour");
    return rtf.format(Math.round(ahead / DAY), "day");
  }

  // "start – end" written as two <time> elements: the end of the range, or null.
  function rangeEnd(el) {
    const next = el.nextElementSibling;
    if (!next || !next.matches("time[data-local-time]")) return null;
    const between = el.nextSibling;
    return between && between.nodeType === 3 && /^\s*[–-]\s*$/.test(between.textContent)
      ? next : null;
  }

  function updateBadges() {
    const t = now();
    document.querySelectorAll("time[data-local-time]:not([data-style])").forEach(function (el) {
      const start = Date.parse(el.getAttribute("datetime"));
      if (isNaN(start)) return;
      const endEl = rangeEnd(el);
      const end = Date.parse(el.dataset.end || (endEl ? endEl.getAttribute("datetime") : ""));
      const label = relativeLabel(start, end, t);
      const anchor = endEl || el;  // the badge goes after the whole range
      let badge = anchor.nextElementSibling;
      if (!(badge && badge.classList.contains("rel-badge"))) badge = null;
      if (!label) { if (badge) badge.remove(); return; }
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge rel-badge";
        anchor.insertAdjacentElement("afterend", badge);
      }
      badge.textContent = label;
      badge.classList.toggle("rel-now", label === "now");
    });
  }

  // Rewrite every <time data-local-time> into the viewer's zone, keeping the
  // meeting's own zone beside it when it differs and the server's text in the title.
  function localizeTimes(zone) {
    const fmt = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit", timeZone: zone, timeZoneName: "short",
    });
    const dateFmt = new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: zone,
    });
    const timeFmt = new Intl.DateTimeFormat(undefined, {
      hour: "2-digit", minute: "2-digit", timeZone: zone, timeZoneName: "short",
    });
    document.querySelectorAll("time[data-local-time]").forEach(function (el) {
      if (!el.dataset.original) el.dataset.original = el.textContent.trim();
      const when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      const style = el.dataset.style;  // "time" (end of a range), "date" (a day), or none
      let text = (style === "time" ? timeFmt : style === "date" ? dateFmt : fmt).format(when);
      const own = el.dataset.zone;
      if (own && own !== zone && isZone(own) && !style) {
        const ownFmt = new Intl.DateTimeFormat(undefined, {
          hour: "2-digit", minute: "2-digit", timeZone: own,
        });
        // The meeting's own wall-clock time with its IANA name (never a bare time).
        text += " · " + ownFmt.format(when) + " " + own.replace(/_/g, " ");
      }
      el.textContent = text;
      el.title = "Meeting time: " + el.dataset.original;
    });
    document.querySelectorAll("[data-viewer-zone]").forEach(function (el) {
      el.textContent = zone.replace(/_/g, " ");
    });
    readerDays(zone);
    updateBadges();
  }

  // A rule such as "Tuesday 15:00 UTC" is another day for a reader in Tokyo: say so,
  // "— Wednesday 00:00 your time (Tuesday 15:00 UTC)", as domain/reader_time.py does.
  function readerDays(zone) {
    function parts(when, tz) {
      const out = {};
      new Intl.DateTimeFormat("en-GB", {
        weekday: "long", year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: tz,
      }).formatToParts(when).forEach(function (p) { out[p.type] = p.value; });
      return out;
    }
    document.querySelectorAll("[data-reader-day]").forEach(function (el) {
      const when = new Date(el.dataset.start);
      const own = el.dataset.zone;
      if (isNaN(when) || !isZone(own)) return;
      const mine = parts(when, zone);
      const theirs = parts(when, own);
      const same = mine.year === theirs.year && mine.month === theirs.month && mine.day === theirs.day;
      el.textContent = same ? "" : "— " + mine.weekday + " " + mine.hour + ":" + mine.minute +
        " your time (" + theirs.weekday + " " + theirs.hour + ":" + theirs.minute + " " + own + ")";
    });
  }

  function setupPicker() {
    const picker = document.querySelector("[data-tz-picker]");
    if (!picker) return;
    const zones = (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : ["UTC"]);
    const stored = storedZone();
    // UTC first (the zone many groups meet in), then the browser's list.
    ["UTC"].concat(zones.filter(function (z) { return z !== "UTC"; })).forEach(function (z) {
      const opt = document.createElement("option");
      opt.value = z;
      opt.textContent = z.replace(/_/g, " ");
      if (z === stored) opt.selected = true;
      picker.appendChild(opt);
    });
    picker.addEventListener("change", function () {
      try {
        if (picker.value) localStorage.setItem(STORAGE_KEY, picker.value);
        else localStorage.removeItem(STORAGE_KEY);
      } catch (e) { /* storage disabled: the choice lasts for this page only */ }
      localizeTimes(picker.value || viewerZone());
    });
  }

  // A polite live region, so screen readers hear "Copied" and upload progress.
  function announce(message) {
    let region = document.getElementById("mb-announce");
    if (!region) {
      region = document.createElement("div");
      region.id = "mb-announce";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    region.textContent = message;
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // Plain-http deployments have no async clipboard: fall back to a selection.
    return new Promise(function (resolve, reject) {
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand && document.execCommand("copy");
      area.remove();
      if (ok) resolve(); else reject(new Error("copy refused"));
    });
  }

  // Copy-to-clipboard buttons: <button data-copy="text"> or data-copy-target="#id".
  function setupCopy() {
    document.querySelectorAll("[data-copy], [data-copy-target]").forEach(function (btn) {
      const label = btn.textContent;
      btn.addEventListener("click", function () {
        const target = btn.dataset.copyTarget && document.querySelector(btn.dataset.copyTarget);
        const text = target ? (target.value || target.textContent) : btn.getAttribute("data-copy");
        copyText(text).then(function () {
          btn.textContent = "Copied";
          btn.classList.add("copied");
          announce("Copied to the clipboard: " + text);
        }, function () {
          if (target && target.select) target.select();
          announce("Could not copy; the text is selected, press Ctrl+C.");
        });
        window.setTimeout(function () {
          btn.textContent = label;
          btn.classList.remove("copied");
        }, 2500);
      });
    });
  }

  // Uploads with a progress bar: <form data-progress> is sent with XMLHttpRequest so the
  // bytes sent can be shown; the server's answer then replaces the page as a normal
  // submit would (its flash messages included). Without XHR/FormData the form posts as usual.
  function setupUploadProgress() {
    document.querySelectorAll("form[data-progress]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.FormData || !window.XMLHttpRequest || ev.defaultPrevented) return;
        ev.preventDefault();
        const data = new FormData(form);
        if (ev.submitter && ev.submitter.name) data.append(ev.submitter.name, ev.submitter.value);
        const box = document.createElement("div");
        box.className = "upload-progress";
        const bar = document.createElement("progress");
        bar.max = 100;
        bar.value = 0;
        bar.setAttribute("aria-label", "Upload progress");
        const status = document.createElement("span");
        status.className = "upload-status";
        status.setAttribute("role", "status");
        status.textContent = "Sending…";
        box.append(bar, status);
        form.appendChild(box);
        const buttons = form.querySelectorAll("button, input[type=submit]");
        buttons.forEach(function (b) { b.disabled = true; });

        const xhr = new XMLHttpRequest();
        xhr.open((form.getAttribute("method") || "POST").toUpperCase(), form.action);
        xhr.upload.addEventListener("progress", function (e) {
          if (!e.lengthComputable) return;
          const pct = Math.round((100 * e.loaded) / e.total);
          bar.value = pct;
          status.textContent = "Sending… " + pct + "% of " + formatBytes(e.total);
        });
        xhr.upload.addEventListener("load", function () {
          bar.removeAttribute("value");  // indeterminate while the server works
          status.textContent = "Processing…";
        });
        xhr.addEventListener("load", function () {
          const url = xhr.responseURL || form.action;
          document.open();
          document.write(xhr.responseText);
          document.close();
          if (url !== location.href) history.replaceState(null, "", url);
        });
        xhr.addEventListener("error", function () {
          status.textContent = "The upload failed (network). Try again.";
          bar.remove();
          buttons.forEach(function (b) { b.disabled = false; });
        });
        xhr.send(data);
      });
    });
  }

  function formatBytes(n) {
    if (n < 1024) return n + " bytes";
    if (n < 1024 * 1024) return Math.round(n / 1024) + " KB";
    return (n / (1024 * 1024)).toFixed(1) + " MB";
  }

  // Server-drawn pages (the slot finder's heatmap) cannot know the browser's zone: the
  // page marks that it fell back, and this asks again with the zone in the query.
  function followViewerZone() {
    const marker = document.querySelector("[data-zone-param]");
    if (!marker) return;
    const url = new URL(window.location.href);
    const param = marker.dataset.zoneParam;
    if (url.searchParams.has(param)) return;
    const zone = viewerZone();
    if (!zone || zone === marker.dataset.zone) return;
    url.searchParams.set(param, zone);
    window.location.replace(url.toString());
  }

  function init() {
    followViewerZone();
    setupPicker();
    localizeTimes(viewerZone());
    setupCopy();
    setupUploadProgress();
    window.setInterval(updateBadges, 30 * 1000);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();

  window.meetbot = {
    viewerZone: viewerZone, localizeTimes: localizeTimes, relativeLabel: relativeLabel,
  };
})();
