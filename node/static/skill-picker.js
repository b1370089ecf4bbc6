// Skill picker: progressive enhancement of templates/_skill_picker.html.
// Without this script the text field is sent as NAME_add and the server resolves it.
// With it, the field is an ARIA combobox: suggestions from /api/skills as the member
// types (any language, accents optional); picking one adds a checked box.
// Styles are set through the CSSOM so a strict Content-Security-Policy allows them.
(() => {
  "use strict";
  const DEBOUNCE_MS = 200;

  function enhance(picker) {
    if (picker.dataset.enhanced) return; // the macro includes this script once per picker
    picker.dataset.enhanced = "true";
    const input = picker.querySelector("[data-skill-input]");
    const listbox = picker.querySelector("[data-skill-suggestions]");
    const chosen = picker.querySelector("[data-skill-chosen]");
    const status = picker.querySelector("[data-skill-status]");
    let results = [];
    let active = -1;
    let timer = 0;
    let pending = null;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listbox.id);
    input.setAttribute("aria-expanded", "false");
    Object.assign(listbox.style, {
      listStyle: "none", margin: ".25rem 0", padding: "0", maxWidth: "32rem",
      border: "1px solid var(--line)", borderRadius: ".35rem",
    });

    function close() {
      results = [];
      active = -1;
      listbox.replaceChildren();
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      active = index;
      listbox.querySelectorAll("[role=option]").forEach((option, i) => {
        option.setAttribute("aria-selected", String(i === index));
        option.style.background = i === index ? "var(--tint)" : "";
        option.style.outline = i === index ? "2px solid var(--focus)" : "";
      });
      if (index < 0) input.removeAttribute("aria-activedescendant");
      else input.setAttribute("aria-activedescendant", `${listbox.id}-${index}`);
    }

    function add(result) {
      const selector = `input[type=checkbox][value="${CSS.escape(result.uri)}"]`;
      let box = picker.querySelector(selector);
      if (!box) {
        box = Object.assign(document.createElement("input"), {
          type: "checkbox", name: picker.dataset.name, value: result.uri,
        });
        const label = document.createElement("label");
        label.append(box, ` ${result.label}`);
        const chip = document.createElement("li");
        chip.className = "chip";
        chip.append(label);
        chosen.append(chip);
      }
      box.checked = true;
      input.value = "";
      close();
      status.textContent = picker.dataset.msgAdded.replace("%s", result.label);
      input.focus();
    }

    function option(result, index) {
      const item = document.createElement("li");
      item.id = `${listbox.id}-${index}`;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      Object.assign(item.style, { padding: ".3rem .6rem", cursor: "pointer" });
      item.append(result.label);
      if (result.matched) {
        const matched = document.createElement("span");
        matched.className = "small";
        matched.lang = result.matched_lang;
        matched.textContent = ` (${result.matched})`;
        item.append(matched);
      }
      item.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the input
      item.addEventListener("click", () => add(result));
      return item;
    }

    function show(found) {
      close();
      results = found;
      listbox.append(...found.map(option));
      listbox.hidden = found.length === 0;
      input.setAttribute("aria-expanded", String(found.length > 0));
      status.textContent = found.length ? picker.dataset.msgSome : picker.dataset.msgNone;
    }

    async function suggest() {
      const q = input.value.trim();
      pending?.abort();
      if (!q) {
        close();
        return;
      }
      pending = new AbortController();
      const query = new URLSearchParams({ q, lang: picker.dataset.lang, kind: picker.dataset.kind || "skill" });
      try {
        const response = await fetch(`/api/skills?${query}`, {
          signal: pending.signal, headers: { Accept: "application/json" },
        });
        if (response.ok) show((await response.json()).results);
        else close();
      } catch (error) {
        if (error.name !== "AbortError") close(); // offline: the form still works without suggestions
      }
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(suggest, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", (event) => {
      if ((event.key === "ArrowDown" || event.key === "ArrowUp") && results.length) {
        event.preventDefault();
        const down = event.key === "ArrowDown";
        const count = results.length;
        if (active < 0) highlight(down ? 0 : count - 1);
        else highlight((active + (down ? 1 : -1) + count) % count);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault(); // add the suggestion instead of submitting the form
        add(results[active]);
      } else if (event.key === "Escape" && !listbox.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  function enhanceAll() {
    document.querySelectorAll("[data-skill-picker]").forEach(enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", enhanceAll);
  else enhanceAll();
})();
