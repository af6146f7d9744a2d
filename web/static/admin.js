// rosterd admin center: progressive enhancement only. Pages work fully without this file.
// Copy buttons: <button class="copy" data-copy="ELEMENT-ID" hidden> copies that element's value
// or text, and are shown only when the clipboard API is available.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button.copy[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = "value" in target && target.value !== undefined ? target.value : target.textContent;
      navigator.clipboard.writeText(text.trim()).then(
        function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 2000);
        },
        function () {
          if (target.select) {
            target.select();
          }
          button.textContent = "Press Ctrl+C to copy";
        }
      );
    });
  });
})();
