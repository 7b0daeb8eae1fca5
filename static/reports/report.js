// Small enhancements for the report page; everything works without them.
(function () {
  "use strict";
  var select = document.querySelector("select[data-autosubmit]");
  var day = document.getElementById("as-of-date");
  if (select && day) {
    // Send only the field that was used, for a clean address: ?as_of=… or ?on=…
    select.form.addEventListener("submit", function () {
      if (day.value) { select.disabled = true; } else { day.disabled = true; }
      if (!day.value && !select.value) { select.disabled = true; }  // "latest": no date at all
    });
    select.addEventListener("change", function () {
      day.value = "";
      select.form.requestSubmit();
    });
  }
  var print = document.querySelector("[data-print]");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
