/* Small helpers for the intake pages. No framework: htmx does the server round trips. */
(function () {
  "use strict";

  function addPetitionerRow() {
    var template = document.getElementById("petitioner-empty-row");
    var total = document.getElementById("id_petitioners-TOTAL_FORMS");
    var maximum = document.getElementById("id_petitioners-MAX_NUM_FORMS");
    if (!template || !total) return;
    var index = parseInt(total.value, 10);
    if (maximum && index >= parseInt(maximum.value, 10)) return;
    var holder = document.createElement("tbody");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var body = document.getElementById("petitioner-rows");
    var rows = Array.prototype.slice.call(holder.children);
    rows.forEach(function (row) { body.appendChild(row); });
    total.value = String(index + 1);
    rows.forEach(function (row) { if (window.htmx) window.htmx.process(row); });
    var first = rows[0] && rows[0].querySelector("input");
    if (first) first.focus();
  }

  /* After an ID-number lookup: mark the field, and fill an empty name and township. */
  function afterLookup(target) {
    var prefix = target.id.replace(/-lookup$/, "");
    var idInput = document.getElementById("id_" + prefix + "-id_number");
    if (idInput) idInput.classList.toggle("is-invalid", !!target.querySelector(".lookup-error"));
    var card = target.querySelector("[data-fill-name]");
    if (!card) return;
    var name = document.getElementById("id_" + prefix + "-name");
    if (name && !name.value) name.value = card.dataset.fillName;
    var township = document.getElementById("id_" + prefix + "-township");
    if (township && !township.value && card.dataset.fillTownship) township.value = card.dataset.fillTownship;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var add = document.getElementById("add-petitioner");
    if (add) add.addEventListener("click", addPetitionerRow);

    // Ctrl+Enter (or Cmd+Enter) in a text box submits its form, as Enter does elsewhere.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.form) {
        event.preventDefault();
        event.target.form.requestSubmit();
      }
    });

    document.body.addEventListener("htmx:afterSwap", function (event) {
      var target = event.detail.target;
      if (target && target.classList.contains("lookup-result")) afterLookup(target);
    });

    // A decision that cannot be undone asks first, naming the option chosen (before the handler below).
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var checked = form.querySelector("input[type=radio]:checked");
        var label = checked && form.querySelector("label[for='" + checked.id + "']");
        var question = form.dataset.confirm + (label ? "\n\n" + label.textContent.trim() : "");
        if (!window.confirm(question)) event.preventDefault();
      });
    });

    // A second click on a submit button must not register the same petition twice.
    document.querySelectorAll("form[method=post]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (event.defaultPrevented) return;
        form.querySelectorAll("button[type=submit]").forEach(function (button) {
          window.setTimeout(function () { button.disabled = true; }, 0);
        });
      });
    });
  });
})();
