// Minutes editor: drag to reorder (the Up/Down buttons do the same without a mouse),
// Ctrl+Enter saves the quick entry, and delete buttons ask first. Pages work without it.
"use strict";

(function () {
  function setupReorder() {
    const list = document.querySelector(".minutes-list[data-reorderable]");
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
        form.submit();
      });
    });
  }

  function setupQuickEntry() {
    const form = document.getElementById("quick-entry");
    if (!form) return;
    const text = form.querySelector("textarea");
    if (!text) return;
    text.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
    if (location.hash === "#quick-entry") text.focus();
  }

  function setupConfirm() {
    document.querySelectorAll("button[data-confirm]").forEach(function (btn) {
      btn.addEventListener("click", function (ev) {
        if (!window.confirm(btn.getAttribute("data-confirm"))) ev.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupReorder();
    setupQuickEntry();
    setupConfirm();
  });
})();
