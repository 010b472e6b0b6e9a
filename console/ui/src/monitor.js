// The CORS monitor: decisions over time per bucket and the latest refusals.
export function render(main) {
  const h1 = document.createElement("h1");
  h1.tabIndex = -1;
  h1.textContent = "CORS monitor";
  main.replaceChildren(h1);
}
