// Minutes editor without page loads. The forms stay ordinary forms (the page works
// without this script); here they are sent with fetch and "Accept: application/json",
// and the server answers with the minutes list rendered by the page's own template,
// the new version of the minutes and what to tell the chair (web/minutes_live.py).
// The quick-entry box keeps the focus, the new item is scrolled into view, errors
// appear beside the box. Another chair's changes appear by polling live.json (the
// chat bot's live endpoint), which carries the minutes' version.
"use strict";

(function () {
  const POLL_MS = 2500;
  let section = null;
  let version = "";
  let editing = 0; // inline editors open: the list is not replaced under them
  let pendingHtml = null;

  // ------------------------------------------------------------------ helpers

  function itemsBox() { return document.getElementById("minutes-items"); }

  function send(form, url) {
    return fetch(url || form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (r) {
      const type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) return Promise.reject(r.status);
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    });
  }

  function setVersion(v) {
    version = String(v);
    const label = document.getElementById("minutes-version");
    if (label) label.textContent = "version " + version;
    const quick = document.getElementById("quick-entry");
    const input = quick && quick.querySelector("input[name$=version]");
    if (input) input.value = version;
  }

  // Put a fresh list in place (unless an inline editor is open: then later).
  function applyList(body) {
    if (!body || typeof body.html !== "string") return;
    if (version && Number(body.version) < Number(version)) return; // an older answer
    setVersion(body.version);
    if (editing) { pendingHtml = body.html; return; }
    const tpl = document.createElement("template");
    tpl.innerHTML = body.html;
    const fresh = tpl.content.querySelector("#minutes-items");
    const box = itemsBox();
    if (!fresh || !box) return;
    box.replaceWith(fresh);
    setupItems();
  }

  function fieldError(input, message) {
    const wrap = input.closest(".field") || input.parentNode;
    let p = wrap.querySelector("p.error[data-live-error]");
    if (!message) {
      if (p) p.remove();
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!p) {
      p = document.createElement("p");
      p.className = "error";
      p.id = (input.id || "minutes") + "-live-err";
      p.setAttribute("data-live-error", "");
      p.setAttribute("role", "alert");
      wrap.append(p);
    }
    p.textContent = message;
    input.setAttribute("aria-invalid", "true");
    const described = (input.getAttribute("aria-describedby") || "").split(" ");
    if (described.indexOf(p.id) < 0) {
      input.setAttribute("aria-describedby", described.concat([p.id]).join(" ").trim());
    }
  }

  function errorText(error) {
    if (!error) return "The change was not saved.";
    const fields = error.fields || {};
    return fields.text || error.message || "The change was not saved.";
  }

  // ------------------------------------------------------------------ quick entry

  function setupQuickEntry() {
    const form = document.getElementById("quick-entry");
    if (!form) return;
    const text = form.querySelector("textarea");
    const status = document.getElementById("quick-entry-status");
    if (!text) return;
    let busy = false;
    text.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
      }
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (busy) return;
      busy = true;
      send(form).then(function (answer) {
        busy = false;
        applyList(answer.body);
        if (answer.status === 200) {
          text.value = "";
          fieldError(text, null);
          if (status) status.textContent = answer.body.notes.join(" ") || "Added.";
          const item = document.getElementById("item-" + answer.body.item_id);
          if (item) item.scrollIntoView({ block: "nearest" });
        } else {
          if (status) status.textContent = "";
          fieldError(text, errorText(answer.body.error));
        }
        text.focus({ preventScroll: true });
      }, function () { busy = false; form.submit(); });
    });
    if (location.hash === "#quick-entry") text.focus();
  }

  // ------------------------------------------------------------------ items

  function refocus(itemId, selector) {
    const li = document.getElementById("item-" + itemId);
    const target = li && li.querySelector(selector);
    if (target && !target.disabled) target.focus();
    else if (li) li.querySelector("a, button:not([disabled])")?.focus();
  }

  function setupToolForms(box) {
    box.querySelectorAll(".minute-tools form").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        const li = form.closest("li[data-item-id]");
        const id = li && li.dataset.itemId;
        const isDelete = /\/delete$/.test(form.action);
        const next = li && (li.nextElementSibling || li.previousElementSibling);
        send(form).then(function (answer) {
          applyList(answer.body);
          const status = document.getElementById("quick-entry-status");
          if (answer.status !== 200) {
            // Nothing changed: say why on the item (the list now shows the others' changes).
            const fresh = document.getElementById("item-" + id);
            if (fresh) {
              const p = document.createElement("p");
              p.className = "error";
              p.setAttribute("role", "alert");
              p.textContent = errorText(answer.body.error);
              fresh.append(p);
              refocus(id, "a");
            } else if (status) {
              status.textContent = errorText(answer.body.error);
            }
            return;
          }
          if (status) status.textContent = answer.body.notes.join(" ");
          if (isDelete) {
            if (next) refocus(next.dataset.itemId, ".minute-tools a");
          } else {
            const direction = /\/up$/.test(form.action) ? "up" : "down";
            refocus(id, "form[action$='/" + direction + "'] button");
          }
        }, function () { form.submit(); });
      });
    });
  }

  function closeEditor(li, editor) {
    editor.remove();
    li.classList.remove("editing");
    editing = Math.max(0, editing - 1);
    if (!editing && pendingHtml !== null) {
      const html = pendingHtml;
      pendingHtml = null;
      applyList({ html: html, version: version });
    }
  }

  function openEditor(link) {
    const li = link.closest("li[data-item-id]");
    if (!li || li.classList.contains("editing")) return;
    fetch(link.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        const doc = new DOMParser().parseFromString(html, "text/html");
        const editor = doc.querySelector("main form.card") || doc.querySelector("form.card");
        if (!editor) { location.href = link.href; return; }
        editor.action = link.href;
        editor.classList.add("inline-editor");
        // The page has other forms with the same field names: keep ids unique.
        const prefix = "edit-" + li.dataset.itemId + "-";
        editor.querySelectorAll("[id]").forEach(function (el) { el.id = prefix + el.id; });
        editor.querySelectorAll("label[for]").forEach(function (el) {
          el.htmlFor = prefix + el.htmlFor;
        });
        editor.querySelectorAll("[aria-describedby]").forEach(function (el) {
          el.setAttribute("aria-describedby", el.getAttribute("aria-describedby")
            .split(" ").map(function (id) { return id && prefix + id; }).join(" "));
        });
        const cancel = editor.querySelector("a");
        editing += 1;
        li.classList.add("editing");
        li.append(editor);
        const text = editor.querySelector("textarea");
        if (cancel) {
          cancel.addEventListener("click", function (ev) {
            ev.preventDefault();
            closeEditor(li, editor);
            refocus(li.dataset.itemId, ".minute-tools a");
          });
        }
        editor.addEventListener("keydown", function (ev) {
          if (ev.key === "Escape") { ev.preventDefault(); cancel && cancel.click(); }
          if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
            ev.preventDefault();
            editor.requestSubmit();
          }
        });
        editor.addEventListener("submit", function (ev) {
          ev.preventDefault();
          send(editor).then(function (answer) {
            if (answer.status === 200) {
              closeEditor(li, editor);
              applyList(answer.body);
              refocus(li.dataset.itemId, ".minute-tools a");
              return;
            }
            // Nothing saved: say why beside the box; a conflict shows their text,
            // and saving again (now from the current version) replaces it.
            let message = errorText(answer.body.error);
            if (answer.body.current) {
              message += " It now reads: “" + answer.body.current.text + "”. Save again to replace it.";
            }
            const v = editor.querySelector("input[name=version]");
            if (v && answer.body.version) v.value = answer.body.version;
            if (text) fieldError(text, message);
            if (answer.body.html) { pendingHtml = answer.body.html; setVersion(answer.body.version); }
            if (text) text.focus();
          }, function () { editor.submit(); });
        });
        if (text) {
          text.focus();
          text.setSelectionRange(text.value.length, text.value.length);
        }
      })
      .catch(function () { location.href = link.href; });
  }

  function setupEditLinks(box) {
    box.querySelectorAll(".minute-tools a[href$='/edit']").forEach(function (link) {
      link.addEventListener("click", function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return; // a new tab is fine
        ev.preventDefault();
        openEditor(link);
      });
    });
  }

  function setupReorder(box) {
    const list = box.querySelector(".minutes-list[data-reorderable]");
    const form = document.getElementById("minutes-reorder");
    if (!list || !form) return;
    let dragged = null;
    list.querySelectorAll("li[data-item-id]").forEach(function (li) {
      li.setAttribute("draggable", "true");
      li.addEventListener("dragstart", function (ev) {
        dragged = li;
        li.classList.add("dragging");
        ev.dataTransfer.effectAllowed = "move";
        ev.dataTransfer.setData("text/plain", li.dataset.itemId);
      });
      li.addEventListener("dragend", function () {
        li.classList.remove("dragging");
        list.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
      });
      li.addEventListener("dragover", function (ev) {
        if (!dragged || dragged === li) return;
        ev.preventDefault();
        li.classList.add("drop-target");
      });
      li.addEventListener("dragleave", function () { li.classList.remove("drop-target"); });
      li.addEventListener("drop", function (ev) {
        ev.preventDefault();
        if (!dragged || dragged === li) return;
        const rect = li.getBoundingClientRect();
        const after = ev.clientY > rect.top + rect.height / 2;
        list.insertBefore(dragged, after ? li.nextSibling : li);
        const ids = Array.prototype.map.call(
          list.querySelectorAll("li[data-item-id]"), function (el) { return el.dataset.itemId; });
        form.querySelector("input[name=order]").value = ids.join(",");
        send(form).then(function (answer) { applyList(answer.body); }, function () { form.submit(); });
      });
    });
  }

  function setupConfirm(box) {
    box.querySelectorAll("button[data-confirm]").forEach(function (btn) {
      btn.addEventListener("click", function (ev) {
        if (!window.confirm(btn.getAttribute("data-confirm"))) ev.preventDefault();
      });
    });
  }

  function setupItems() {
    const box = itemsBox();
    if (!box) return;
    setupToolForms(box);
    setupEditLinks(box);
    setupReorder(box);
    setupConfirm(box);
  }

  // ------------------------------------------------------------------ other chairs

  function lastItemId() {
    let last = 0;
    document.querySelectorAll("#minutes-items li[data-item-id]").forEach(function (li) {
      last = Math.max(last, Number(li.dataset.itemId) || 0);
    });
    return last;
  }

  function poll() {
    if (document.hidden) { setTimeout(poll, POLL_MS * 2); return; }
    const url = section.dataset.liveUrl + "?after=" + lastItemId();
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (live) {
        if (String(live.version) === version) return null;
        return fetch(section.dataset.itemsUrl, {
          headers: { Accept: "application/json" }, credentials: "same-origin",
        }).then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
          .then(applyList);
      })
      .then(function () { setTimeout(poll, POLL_MS); },
            function () { setTimeout(poll, POLL_MS * 4); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    section = document.getElementById("minutes");
    const box = itemsBox();
    if (box) version = box.dataset.version || "";
    setupItems();
    setupQuickEntry();
    if (section && section.hasAttribute("data-poll") && section.dataset.liveUrl) {
      setTimeout(poll, POLL_MS);
    }
  });
})();
