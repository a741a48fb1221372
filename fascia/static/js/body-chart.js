/* Fascia: the trigger-point body chart on the assessment form. The record is the list of
   selects beside the chart (one per muscle and side: none, active, latent), which works
   without JavaScript and is what keyboards and screen readers use; the chart is a picture
   hidden from assistive technology. Here a tap on a region moves its select on (none →
   active → latent → none) and any change of a select recolours and relabels its region,
   with the words of the select's chosen option. */
(() => {
  for (const chart of document.querySelectorAll("[data-body-chart]")) {
    for (const region of chart.querySelectorAll("[data-field]")) {
      const select = document.getElementById(region.dataset.field);
      const label = region.querySelector("text");
      if (!select) continue;

      const paint = () => {
        const kind = select.value || "none";
        region.setAttribute("class", `bc-region bc-region--${kind} bc-region--tappable`);
        if (label) label.textContent = select.value ? select.selectedOptions[0].text : "";
      };

      region.addEventListener("click", () => {
        select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      });
      select.addEventListener("change", paint);
      paint();
    }
  }
})();
