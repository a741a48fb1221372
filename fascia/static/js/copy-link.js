/* Fascia: the "Copy link" button on the page that shows a new private link. Without
   JavaScript the button stays hidden and the link is plain, selectable text in its field.
   The button names its field (data-copy-from) and the status line that says what happened
   (data-copy-status), with the words to say (data-copied, data-failed). */
(() => {
  for (const button of document.querySelectorAll("[data-copy-from]")) {
    const field = document.getElementById(button.dataset.copyFrom);
    const status = document.getElementById(button.dataset.copyStatus);
    if (!field || !status) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = button.dataset.copied;
      } catch {
        field.focus();
        field.select();
        status.textContent = button.dataset.failed;
      }
    });
  }
})();
