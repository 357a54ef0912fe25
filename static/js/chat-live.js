// The live chat meeting: while the bot runs the meeting, ask for the items added since
// the last one shown and append them; when it ends, say so. Pages work without it.
"use strict";

(function () {
  const POLL_MS = 2000;

  function start() {
    const section = document.getElementById("chat-live");
    if (!section || !section.hasAttribute("data-live")) return;
    const list = document.getElementById("chat-live-items");
    let after = section.dataset.after || "0";

    function add(item) {
      const li = document.createElement("li");
      li.className = "minute kind-" + item.kind;
      li.dataset.itemId = item.id;
      const badge = document.createElement("span");
      badge.className = "badge kind-badge kind-" + item.kind;
      badge.textContent = item.kind;
      const text = document.createElement("span");
      text.className = "minute-text";
      text.textContent = item.text;
      li.append(badge, " ", text);
      if (item.nick) {
        const who = document.createElement("span");
        who.className = "muted small";
        who.textContent = " — " + item.nick;
        li.append(who);
      }
      list.append(li);
    }

    function poll() {
      fetch(section.dataset.liveUrl + "?after=" + encodeURIComponent(after), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          data.items.forEach(function (item) { add(item); after = String(item.id); });
          if (data.live) {
            setTimeout(poll, data.items.length ? 0 : POLL_MS);
          } else {
            const badge = document.getElementById("chat-live-badge");
            if (badge) badge.textContent = "ended";
            const note = document.getElementById("chat-live-note");
            if (note) note.textContent = "The meeting has ended: reload for the final minutes.";
          }
        })
        .catch(function () { setTimeout(poll, POLL_MS * 5); });
    }
    setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
