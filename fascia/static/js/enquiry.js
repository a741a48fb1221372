/* Fascia: the enquiry form checks the phone number while it is typed, with htmx. A reader
   of the page needs none of htmx's 50 KB of script, so it is loaded only when someone
   first moves into the form (and the page has finished loading); then every checked field
   that was typed into before htmx arrived is checked. Without JavaScript the form works
   the same, without the live check. */
(() => {
  const htmxUrl = document.currentScript.dataset.htmx;
  let requested = false;

  function loadHtmx(form) {
    const script = document.createElement("script");
    script.src = htmxUrl;
    script.addEventListener("load", () => {
      for (const field of form.querySelectorAll("[data-hx-trigger]")) {
        if (field.value) field.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
    document.head.append(script);
  }

  document.addEventListener("focusin", (event) => {
    const form = event.target.closest(".enquiry-form");
    if (requested || !form) return;
    requested = true;
    if (document.readyState === "complete") loadHtmx(form);
    else window.addEventListener("load", () => loadHtmx(form), { once: true });
  });
})();
