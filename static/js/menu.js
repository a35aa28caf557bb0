// The main menu folds away behind a button on narrow screens. Loaded before the page is drawn
// (not deferred), so the menu never flashes open; without this file the links simply stay in view.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".nav-toggle");
    if (button) setOpen(button, button.getAttribute("aria-expanded") !== "true");
  });

  // Escape closes the open menu and puts the focus back on its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var button = document.querySelector('.nav-toggle[aria-expanded="true"]');
    if (button) {
      setOpen(button, false);
      button.focus();
    }
  });
})();
