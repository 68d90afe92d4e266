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

  // The page's words (data-copied, data-select on the status element, in the reader's language).
  function copiedText(status) {
    return (status && status.getAttribute("data-copied")) || "Copied to the clipboard.";
  }

  function selectText(status) {
    return (status && status.getAttribute("data-select")) || "Selected: press Ctrl+C (⌘C on a Mac) to copy.";
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
    say(status, copied ? copiedText(status) : selectText(status));
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
            say(status, copiedText(status));
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
