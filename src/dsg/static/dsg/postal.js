/* 郵便番号 → 都道府県・市区町村: once a postal code is entered, fill in the prefecture and the
 * city/town from Japan Post's data (the portal's /postal-codes/ lookup, logged-in only).
 *
 * Progressive enhancement, no framework: an input carries data-postal-lookup (the lookup URL),
 * data-postal-prefecture and data-postal-address (the ids of the inputs to fill). Without this
 * script the form works the same: the server fills an empty prefecture and checks the pair.
 * The address is filled only while it is empty or still what this script put there.
 */
(function () {
  "use strict";

  function digits(value) {
    // ０-９ → 0-9, then only the digits: a lookup starts once seven are typed.
    return value.replace(/[０-９]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/[^0-9]/g, "");
  }

  function statusOf(input) {
    var id = input.id + "_postal_status";
    var status = document.getElementById(id);
    if (!status) {
      status = document.createElement("p");
      status.id = id;
      status.className = "help postal-status";
      status.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", status);
    }
    return status;
  }

  function fill(input, answer) {
    var prefecture = document.getElementById(input.dataset.postalPrefecture || "");
    var address = document.getElementById(input.dataset.postalAddress || "");
    if (answer.postal_code) {
      input.value = answer.postal_code; // 〒１６２－０８４５ → 162-0845, as it is stored
      input.dataset.postalAsked = answer.postal_code;
    }
    if (!answer.found) {
      return;
    }
    if (prefecture && answer.prefecture) {
      prefecture.value = answer.prefecture;
    }
    var filled = answer.city + answer.town;
    if (address && (address.value === "" || address.value === address.dataset.postalFilled)) {
      address.value = filled;
      address.dataset.postalFilled = filled;
    }
  }

  function lookup(input) {
    var code = input.value.trim();
    var status = statusOf(input);
    if (digits(code).length !== 7) {
      status.textContent = "";
      return;
    }
    if (input.dataset.postalAsked === code) {
      return;
    }
    input.dataset.postalAsked = code;
    var url = input.dataset.postalLookup + "?code=" + encodeURIComponent(code);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (answer) {
          status.textContent = answer.message || answer.detail || "";
          if (response.ok) {
            fill(input, answer);
          }
        });
      })
      .catch(function () {
        status.textContent = ""; // offline or logged out: the server still checks on save
      });
  }

  function start() {
    var inputs = document.querySelectorAll("input[data-postal-lookup]");
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("input", function () {
        if (digits(input.value).length === 7) {
          lookup(input);
        }
      });
      input.addEventListener("change", function () {
        lookup(input);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
