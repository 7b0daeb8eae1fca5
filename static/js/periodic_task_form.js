// The periodic task form in the admin: under the crontab's help, what the chosen schedule means
// in words (django-celery-beat's own script, moved here from the page it was inline in).
(function () {
  "use strict";
  var translation = document.querySelector(".field-crontab_translation");
  if (translation) { translation.style.display = "none"; }
  var data = document.getElementById("readable-crontabs");
  var select = document.getElementById("id_crontab");
  var help = document.querySelector(".field-crontab .help");
  if (!data || !select || !help) { return; }
  var readable = JSON.parse(data.textContent);
  var line = document.createElement("div");
  line.className = "crontab-in-words";
  help.appendChild(line);
  function update() {
    var words = readable[select.value];
    line.textContent = words ? "Translation: " + words : "";
  }
  select.addEventListener("change", update);
  update();
})();
