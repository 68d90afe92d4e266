/* On every page: keyboard access to tables that scroll sideways, and focus on a form page's first field. */
(function () {
  "use strict";

  var MARK = "data-scroll-region";
  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";

  function nameOf(region) {
    var caption = region.querySelector("caption");
    var heading = caption || (region.closest("section, .card, main") || document).querySelector("h1, h2, h3");
    return (heading ? heading.textContent.trim() : "Table") + " (scrolls sideways)";
  }

  // A table wider than the screen scrolls inside its wrapper: keyboard users reach it with Tab and
  // scroll it with the arrow keys, and screen readers name it. Wrappers that fit stay out of the Tab order.
  function markScrollRegions() {
    document.querySelectorAll(".table-wrap").forEach(function (region) {
      var scrolls = region.scrollWidth > region.clientWidth + 1;
      if (region.hasAttribute("tabindex") && !region.hasAttribute(MARK)) {
        return;
      }
      if (scrolls && !region.hasAttribute(MARK)) {
        region.setAttribute(MARK, "");
        region.setAttribute("tabindex", "0");
        region.setAttribute("role", "region");
        if (!region.hasAttribute("aria-label") && !region.hasAttribute("aria-labelledby")) {
          region.setAttribute("aria-label", nameOf(region));
        }
      } else if (!scrolls && region.hasAttribute(MARK)) {
        ["tabindex", "role", "aria-label", MARK].forEach(function (name) {
          region.removeAttribute(name);
        });
      }
    });
  }

  // A form page starts at its first field; after a refused submission, at the first field in error.
  function focusFirstField() {
    var main = document.getElementById("content");
    if (!main || (document.activeElement && document.activeElement !== document.body)) {
      return;
    }
    var field = main.querySelector('[aria-invalid="true"]');
    if (!field) {
      var form = main.querySelector(":scope > form.form, form[data-autofocus]");
      field = form && form.querySelector(FIELDS);
    }
    if (field) {
      field.focus();
    }
  }

  function start() {
    markScrollRegions();
    focusFirstField();
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(markScrollRegions, 100);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
