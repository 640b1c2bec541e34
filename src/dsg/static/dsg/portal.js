/* The portal's page behaviour, no framework (#12). Every page works without it; it adds:
 * - the error summary focused on load, and its links moving focus to the field (GOV.UK), or
 *   to the whole form for an error of no field;
 * - no browser-native validation bubbles (they speak the browser's language): every form is
 *   checked by the server, which answers in the page's language beside each field;
 * - the header menu folded behind a button on narrow screens;
 * - tables that become stacked rows on narrow screens, each cell labelled by its column.
 */
(function () {
  "use strict";

  function errorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      var label = document.querySelector("label[for='" + target.id + "']");
      var legend = target.closest("fieldset") && target.closest("fieldset").querySelector("legend");
      (legend || label || target).scrollIntoView();
      if (target.tabIndex < 0 && !target.hasAttribute("tabindex")) {
        // a whole form (a refusal that names no field): made focusable to receive the focus
        target.setAttribute("tabindex", "-1");
      }
      target.focus({ preventScroll: true });
    });
  }

  function noNativeValidation() {
    Array.prototype.forEach.call(document.forms, function (form) {
      form.noValidate = true;
    });
  }

  function headerMenu() {
    var toggle = document.querySelector("[data-menu-toggle]");
    var menu = document.getElementById("site-menu");
    if (!toggle || !menu) return;
    toggle.hidden = false;
    document.documentElement.classList.add("js-menu");
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-open", open);
    });
  }

  function stackedTables() {
    Array.prototype.forEach.call(document.querySelectorAll("table.table"), function (table) {
      var heads = table.querySelectorAll("thead th");
      if (!heads.length) return;
      var names = Array.prototype.map.call(heads, function (th) {
        return th.textContent.trim();
      });
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.children, function (cell) {
          if (!cell.hasAttribute("data-label") && names[column]) {
            cell.setAttribute("data-label", names[column]);
          }
          column += cell.colSpan || 1;
        });
      });
      table.classList.add("table--stacks");
    });
  }

  function start() {
    noNativeValidation();
    headerMenu();
    stackedTables();
    errorSummary();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
