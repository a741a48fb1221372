/* Fascia: the questions of /check/ and /self-check/ follow the answers as they are given.
   A question that applies only after an earlier answer (the stage of a pregnancy after
   "yes, I am pregnant") is shown the moment it applies, and hidden and left out again when
   it no longer does; "None of these" cannot stay ticked with another answer. The conditions
   are the pathway's own (data-show-when, written by the server in the pathway's condition
   language); the server checks everything again. Without JavaScript the server shows a
   question that comes to apply on the same step again. */
(() => {
  const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

  function sameValue(answer, written) {
    if (typeof answer === "boolean" || typeof written === "boolean") return answer === written;
    if (typeof answer === "number") return typeof written === "number" && answer === written;
    return typeof answer === "string" && answer === written;
  }

  function answerOf(container, known, id) {
    const question = container.querySelector(`[data-question="${CSS.escape(id)}"]`);
    if (!question) return known[id];
    if (question.hidden) return undefined;
    const type = question.dataset.type;
    if (type === "multiple_choice") {
      const ticked = [...question.querySelectorAll("input:checked")].map((input) => input.value);
      return ticked.length ? ticked : undefined;
    }
    if (type === "yes_no" || type === "single_choice") {
      const chosen = question.querySelector("input:checked");
      if (!chosen) return undefined;
      return type === "yes_no" ? chosen.value === "yes" : chosen.value;
    }
    const box = question.querySelector("input, textarea");
    const text = box ? box.value.trim() : "";
    if (!text) return undefined;
    if (type === "number" || type === "scale_0_10") return NUMBER.test(text) ? Number(text) : undefined;
    return text;
  }

  function holds(condition, answer) {
    if (condition.all) return condition.all.every((c) => holds(c, answer));
    if (condition.any) return condition.any.some((c) => holds(c, answer));
    if (condition.not) return !holds(condition.not, answer);
    const value = answer(condition.answer);
    if ("answered" in condition) return (value !== undefined) === condition.answered;
    if (value === undefined) return false;
    if ("is" in condition) return sameValue(value, condition.is);
    if ("in" in condition) return condition.in.some((written) => sameValue(value, written));
    if ("includes" in condition) return Array.isArray(value) && value.includes(condition.includes);
    if (typeof value !== "number") return false;
    if ("gte" in condition) return value >= condition.gte;
    if ("gt" in condition) return value > condition.gt;
    if ("lte" in condition) return value <= condition.lte;
    return value < condition.lt;
  }

  function update(container) {
    const known = JSON.parse(container.dataset.answers || "{}");
    const answer = (id) => answerOf(container, known, id);
    // In page order: a condition only reads answers to earlier questions.
    for (const question of container.querySelectorAll("[data-question]")) {
      if (!question.dataset.showWhen) continue;
      const show = holds(JSON.parse(question.dataset.showWhen), answer);
      question.hidden = !show;
      for (const control of question.querySelectorAll("input, textarea")) control.disabled = !show;
    }
    const shown = container.querySelector('input[name="shown"]');
    if (shown) {
      const visible = [...container.querySelectorAll("[data-question]")].filter((q) => !q.hidden);
      shown.value = visible.map((q) => q.dataset.question).join(" ");
    }
  }

  function tickAlone(box) {
    if (box.type !== "checkbox" || !box.checked) return;
    const others = box.closest("[data-question]").querySelectorAll('input[type="checkbox"]');
    for (const other of others) {
      if (other !== box && (box.dataset.exclusive || other.dataset.exclusive)) other.checked = false;
    }
  }

  for (const container of document.querySelectorAll(".questions")) {
    update(container);
    container.addEventListener("change", (event) => {
      tickAlone(event.target);
      update(container);
    });
    container.addEventListener("input", () => update(container));
  }
})();
