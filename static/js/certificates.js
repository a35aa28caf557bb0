// Certificates: copy a share link and print the page. Without JavaScript the link
// stays selectable in its field and the browser's own print works.
(function () {
  "use strict";

  document.querySelectorAll("[data-copy], [data-print]").forEach(function (button) {
    button.hidden = false;
  });

  document.addEventListener("click", function (event) {
    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var field = document.getElementById(copy.dataset.copy);
      var status = copy.closest("section") && copy.closest("section").querySelector(".copy-status");
      var done = function () {
        if (status) status.textContent = copy.dataset.copied;
        copy.textContent = copy.dataset.copied;
      };
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
      } else {
        field.select();
      }
      return;
    }
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
