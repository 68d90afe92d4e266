/* Copy buttons: <button data-copy="field-id" data-copy-status="status-id" hidden> copies the field's
   value and says so in the status element (an aria-live region). The button stays hidden without
   this script; where the clipboard is not available the text is selected for the keyboard copy. */
(function () {
  "use strict";

  function say(status, text) {
    if (status) {
      status.textContent = "";
      // A fresh text node so screen readers announce a repeated confirmation too.
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
  }

  function selectAndTell(field, status) {
    field.focus();
    field.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    say(status, copied ? "Copied to the clipboard." : "Selected: press Ctrl+C (⌘C on a Mac) to copy.");
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(
          function () {
            field.select();
            say(status, "Copied to the clipboard.");
          },
          function () {
            selectAndTell(field, status);
          }
        );
      } else {
        selectAndTell(field, status);
      }
    });
  });
})();
