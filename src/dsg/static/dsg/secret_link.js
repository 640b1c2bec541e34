/* A one-time link carries its code in the #fragment, which browsers never send to a server (so it
 * never reaches an access log): put it into the form, whose POST carries it, and take it off the
 * address bar. Without this script the code is pasted from the mail instead. */
(function () {
  "use strict";
  var field = document.querySelector("[data-link-code]");
  if (!field || location.hash.length < 2) {
    return;
  }
  field.value = decodeURIComponent(location.hash.slice(1));
  history.replaceState(null, "", location.pathname + location.search);
  var submit = document.querySelector("[data-link-submit]");
  if (submit) {
    submit.focus();
  }
})();
