/* Fascia: the body chart on the session page. The record is the list of radio buttons
   (one per muscle and side), which works without JavaScript and is what keyboards and
   screen readers use; the chart is a picture hidden from assistive technology. A tap on a
   region chooses its radio button, and choosing a radio button outlines its region. */
(() => {
  for (const chart of document.querySelectorAll("[data-body-chart]")) {
    const regions = [...chart.querySelectorAll("[data-field]")]
      .map((region) => [region, document.getElementById(region.dataset.field)])
      .filter(([, radio]) => radio);

    const paint = () => {
      for (const [region, radio] of regions) {
        region.classList.toggle("bc-region--chosen", radio.checked);
        region.classList.add("bc-region--tappable");
      }
    };

    for (const [region, radio] of regions) {
      region.addEventListener("click", () => {
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      });
      radio.addEventListener("change", paint);
    }
    paint();
  }
})();
