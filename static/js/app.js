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

  // A table too wide for the screen scrolls inside its own box (.table-wrap). While it does, the
  // box is a labelled region that takes the focus, so it can be scrolled with the keyboard too.
  function headingBefore(box) {
    var caption = box.querySelector("caption");
    if (caption) return caption.textContent.trim();
    for (var el = box; el && el !== document.body; el = el.parentElement) {
      for (var prev = el.previousElementSibling; prev; prev = prev.previousElementSibling) {
        var headings = /^H[1-6]$/.test(prev.tagName) ? [prev] : prev.querySelectorAll("h1, h2, h3, h4, h5, h6");
        if (headings.length) return headings[headings.length - 1].textContent.replace(/\s+/g, " ").trim();
      }
    }
    return document.body.dataset.tableLabel;
  }

  function markScrollBoxes() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.dataset.scrollBox = "true";
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        if (!box.hasAttribute("aria-labelledby")) box.setAttribute("aria-label", headingBefore(box));
      } else if (!scrolls && box.dataset.scrollBox) {
        delete box.dataset.scrollBox;
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  var pending = false;
  function markSoon() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      markScrollBoxes();
    });
  }

  markScrollBoxes();
  window.addEventListener("resize", markSoon);
  document.addEventListener("htmx:afterSettle", markSoon);

  // A live filter is heard even when someone types before the page has finished loading (a
  // slow phone): once htmx is ready, a filter form whose text differs from what the server
  // filled in sends itself once. The same goes for text the browser put back on "back".
  document.addEventListener("DOMContentLoaded", function () {
    if (!window.htmx) return;
    document.querySelectorAll("form[data-hx-trigger]").forEach(function (form) {
      var inputs = form.querySelectorAll("input[type=search], input[type=text]");
      var typed = Array.prototype.some.call(inputs, function (input) {
        return input.value !== input.defaultValue;
      });
      if (typed) window.htmx.trigger(form, "submit");
    });
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
