// Light and dark themes. The choice (system, light or dark; not a secret) is kept in
// localStorage and applied as <html data-theme>; without one the page follows the system's
// prefers-color-scheme. Modules that draw their own colours (the code editor, the charts)
// listen for the "doorman-theme" event on document and ask isDark().

const key = "doorman-theme";
const choices = ["system", "light", "dark"];
const media = window.matchMedia("(prefers-color-scheme: dark)");

// chosen is the choice made in this page when storage refused to keep it (privacy settings).
let chosen = null;

// preference is the choice: "system", "light" or "dark".
export function preference() {
  let v = chosen;
  try {
    v = localStorage.getItem(key) ?? chosen;
  } catch {
    // storage refused: the choice made in this page, or the system's
  }
  return choices.includes(v) ? v : "system";
}

// isDark tells whether the page is drawn dark now.
export function isDark() {
  const p = preference();
  return p === "dark" || (p === "system" && media.matches);
}

function apply() {
  const p = preference();
  if (p === "system") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", p);
  document.dispatchEvent(new CustomEvent("doorman-theme", { detail: { dark: isDark() } }));
}

// setPreference saves and applies a choice.
export function setPreference(p) {
  chosen = p;
  try {
    if (p === "system") localStorage.removeItem(key);
    else localStorage.setItem(key, p);
  } catch {
    // not saved; still applied for this page
  }
  apply();
}

// initTheme applies the saved choice and follows the system's changes.
export function initTheme() {
  apply();
  media.addEventListener("change", () => {
    if (preference() === "system") apply();
  });
}
