// Two accessibility repairs to Wagtail's page editor, found by axe-core (WCAG 2.2 AA):
// - Each rich-text editor gets the accessible name of its field's label. Draftail is a
//   contenteditable role="textbox" that the <label> does not name (Wagtail issue #14205):
//   the label points at a hidden input or, inside a StreamField block, at nothing, so a
//   screen reader would announce "edit text, blank".
// - The minimap (the outline of a long form) scrolls, so it must be reachable with the
//   keyboard: it gets a tab stop.
(() => {
  "use strict";
  const unnamed = '[role="textbox"][contenteditable]:not([aria-label]):not([aria-labelledby])';
  const unreachableScroller = ".w-minimap__list:not([tabindex])";
  let counter = 0;

  const labelFor = (textbox) => {
    const input = textbox.closest("[data-field-input]")?.querySelector("input[type=hidden]");
    if (input?.id) {
      const label = document.querySelector(`label[for="${CSS.escape(input.id)}"]`);
      if (label) return label;
    }
    const wrapper = textbox.closest("[data-field-wrapper]");
    const previous = wrapper?.previousElementSibling;
    return previous?.matches("label") ? previous : null;
  };

  const name = (textbox) => {
    const label = labelFor(textbox);
    if (!label) return;
    if (!label.id) {
      counter += 1;
      label.id = `fascia-editor-label-${counter}`;
    }
    textbox.setAttribute("aria-labelledby", label.id);
  };
  const reach = (scroller) => scroller.setAttribute("tabindex", "0");
  const repairWithin = (node) => {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    if (node.matches(unnamed)) name(node);
    node.querySelectorAll(unnamed).forEach(name);
    if (node.matches(unreachableScroller)) reach(node);
    node.querySelectorAll(unreachableScroller).forEach(reach);
  };
  const run = () => {
    repairWithin(document.body);
    new MutationObserver((records) => {
      records.forEach((record) => record.addedNodes.forEach(repairWithin));
    }).observe(document.body, { childList: true, subtree: true });
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
