// Small progressive enhancements; everything works without this file.
(function () {
  "use strict";

  function flash(message, category) {
    var box = document.getElementById("flashes");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "flash flash-" + (category || "error");
    p.textContent = message;
    box.appendChild(p);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    var body = document.body.dataset;
    if (status === 403) flash(body.forbiddenMessage);
    else if (status === 404) flash(body.notfoundMessage);
    else flash(body.errorMessage);
  });

  document.addEventListener("htmx:sendError", function () {
    flash(document.body.dataset.networkMessage);
  });

  // Buttons with data-confirm ask before a destructive action (the server asks again where it matters).
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
