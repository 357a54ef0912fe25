// The owners of an action item: type a name, pick it from the suggestions, Enter adds
// it as a chip (remove with its × button). The <select multiple> stays in the form,
// hidden, and carries the choice, so the page works without this script (Ctrl-click).
"use strict";

(function () {
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
  }

  function enhance(select) {
    const options = Array.prototype.slice.call(select.options);
    const label = document.querySelector("label[for='" + select.id + "']");
    const wrap = document.createElement("div");
    wrap.className = "owner-picker";

    const chips = document.createElement("ul");
    chips.className = "owner-chips";
    chips.setAttribute("aria-label", "Chosen owners");

    const input = document.createElement("input");
    input.type = "text";
    input.id = select.id + "-search";
    input.autocomplete = "off";
    input.setAttribute("list", select.id + "-names");
    input.placeholder = "Type a name, Enter adds it";

    const list = document.createElement("datalist");
    list.id = select.id + "-names";
    options.forEach(function (opt) {
      const o = document.createElement("option");
      o.value = opt.textContent;
      list.append(o);
    });

    const status = document.createElement("p");
    status.className = "help owner-status";
    status.id = select.id + "-status";
    status.setAttribute("aria-live", "polite");
    const help = document.getElementById(select.id + "-help");
    if (help) help.textContent = "Type a name and press Enter to add an owner; add as many as needed.";
    const described = [help && help.id, status.id].filter(Boolean).join(" ");
    input.setAttribute("aria-describedby", described);

    function render() {
      chips.replaceChildren();
      options.filter(function (o) { return o.selected; }).forEach(function (opt) {
        const li = document.createElement("li");
        li.className = "badge owner-chip";
        li.append(opt.textContent + " ");
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "chip-remove";
        remove.textContent = "×";
        remove.setAttribute("aria-label", "Remove " + opt.textContent);
        remove.addEventListener("click", function () {
          opt.selected = false;
          render();
          status.textContent = opt.textContent + " removed.";
          input.focus();
        });
        li.append(remove);
        chips.append(li);
      });
    }

    // The option the typed text means: an exact name, else the only name containing it.
    function pick(text) {
      const wanted = fold(text);
      if (!wanted) return { found: null, count: 0 };
      const exact = options.filter(function (o) { return fold(o.textContent) === wanted; });
      if (exact.length === 1) return { found: exact[0], count: 1 };
      const some = options.filter(function (o) { return fold(o.textContent).indexOf(wanted) >= 0; });
      return { found: some.length === 1 ? some[0] : null, count: some.length };
    }

    function add(fromEnter) {
      const answer = pick(input.value);
      if (answer.found) {
        answer.found.selected = true;
        input.value = "";
        render();
        status.textContent = answer.found.textContent + " added.";
        return true;
      }
      if (fromEnter && input.value.trim()) {
        status.textContent = answer.count
          ? answer.count + " people match “" + input.value.trim() + "”: keep typing."
          : "Nobody in this group matches “" + input.value.trim() + "”.";
      }
      return false;
    }

    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        ev.preventDefault(); // Enter adds the owner; it never sends the form
        if (input.value.trim()) add(true);
      }
    });
    // Picking a suggestion from the list fills the box with an exact name.
    input.addEventListener("input", function () {
      if (pick(input.value).found && options.some(function (o) {
        return o.textContent === input.value;
      })) add(false);
    });

    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    if (label) label.htmlFor = input.id;
    select.after(wrap);
    wrap.append(chips, input, list, status);
    render();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[multiple][name=owners]").forEach(enhance);
  });
})();
