/* Drag-and-drop on the PDCA board, on top of the plain forms that work without it.
   Dropping a card on the next stage submits the card's own move form (the server runs the gate);
   dropping it on an earlier stage opens the move page, where stepping back asks for a reason. */
(function () {
  "use strict";

  var dragged = null;

  function columns() {
    return document.querySelectorAll("[data-stage-column]");
  }

  document.querySelectorAll("[data-card]").forEach(function (card) {
    if (!card.querySelector("form[data-move-form]") && !card.hasAttribute("data-move-url")) {
      return;
    }
    card.setAttribute("draggable", "true");
    card.addEventListener("dragstart", function (event) {
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-card"));
    });
    card.addEventListener("dragend", function () {
      dragged = null;
      columns().forEach(function (column) {
        column.classList.remove("drop-target");
      });
    });
  });

  columns().forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      if (dragged && dragged.getAttribute("data-stage") !== column.getAttribute("data-stage-column")) {
        event.preventDefault();
        column.classList.add("drop-target");
      }
    });
    column.addEventListener("dragleave", function () {
      column.classList.remove("drop-target");
    });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("drop-target");
      if (!dragged) {
        return;
      }
      var stage = column.getAttribute("data-stage-column");
      var form = dragged.querySelector("form[data-move-form]");
      if (form && form.elements.to && form.elements.to.value === stage) {
        form.submit();
        return;
      }
      var url = dragged.getAttribute("data-move-url");
      if (url) {
        window.location.assign(url + (url.indexOf("?") === -1 ? "?" : "&") + "to=" + encodeURIComponent(stage));
      }
    });
  });
})();
