// Makes the calls that Wagtail's admin would make from inline scripts, which Fascia's
// Content-Security-Policy blocks. The server writes each call as a JSON data block,
//   <script type="application/json" data-csp-call="PageChooser" data-csp-new>["id", {...}]</script>
// (see fascia/website/cms_csp.py); this makes each call once, for the blocks in the page
// and for those added later, such as a new row in an inline panel.
(() => {
  "use strict";
  const allowed = new Set([
    "PageChooser", "ImageChooser", "DocumentChooser", "SnippetChooser", "TaskChooser",
    "initDateChooser", "initTimeChooser", "initDateTimeChooser",
    "InlinePanel", "MultipleChooserPanel",
  ]);
  const selector = 'script[type="application/json"][data-csp-call]:not([data-csp-done])';

  const call = (block) => {
    // Blocks inside a <template> are copies waiting to be added to the page.
    if (!block.isConnected || block.closest("template")) return;
    block.dataset.cspDone = "";
    const name = block.dataset.cspCall;
    const target = window[name];
    if (!allowed.has(name) || typeof target !== "function") {
      console.error(`Fascia: cannot start ${name}`);
      return;
    }
    const args = JSON.parse(block.textContent);
    if ("cspNew" in block.dataset) {
      new target(...args);
    } else {
      target(...args);
    }
  };
  const callWithin = (node) => {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    if (node.matches(selector)) call(node);
    node.querySelectorAll(selector).forEach(call);
  };
  const run = () => {
    callWithin(document.body);
    new MutationObserver((records) => {
      records.forEach((record) => record.addedNodes.forEach(callWithin));
    }).observe(document.body, { childList: true, subtree: true });
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
