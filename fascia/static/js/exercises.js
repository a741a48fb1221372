/* Fascia: the patient's home-exercise page (/p/<token>/).

   Without JavaScript every "Done today" button is a plain form. With it, HTMX sends the
   form in place (data-hx-post), and this script:
   - registers the service worker (its address is this script's data-service-worker; its
     scope is /p/) and gives it the page and the stylesheets and scripts it uses, so the
     page opens again without a network;
   - shows the page's offline note while the network is gone;
   - says "not saved" beside a tick sent while offline (data-offline holds the words);
   - opens the page again when a tick is refused (the link was replaced or has expired),
     so that the page saying what to do is shown. */
(() => {
  const script = document.currentScript;
  const notice = document.querySelector("[data-offline-notice]");
  const showOffline = () => { if (notice) notice.hidden = navigator.onLine; };
  window.addEventListener("online", showOffline);
  window.addEventListener("offline", showOffline);
  showOffline();

  document.body.addEventListener("htmx:sendError", (event) => {
    const form = event.target.closest("form[data-offline]");
    const problem = form && form.querySelector(".exercise-done__problem");
    if (problem) problem.textContent = form.dataset.offline;
  });

  document.body.addEventListener("htmx:responseError", () => location.reload());

  if (!("serviceWorker" in navigator) || !script || !script.dataset.serviceWorker) return;
  const assets = () => [
    location.pathname,
    ...Array.from(document.querySelectorAll("link[rel='stylesheet'][href], script[src]"), (el) =>
      el.getAttribute("href") || el.getAttribute("src")),
  ];
  navigator.serviceWorker.register(script.dataset.serviceWorker, { scope: "/p/" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      if (registration.active) registration.active.postMessage({ keep: assets() });
    })
    .catch(() => {});
})();
