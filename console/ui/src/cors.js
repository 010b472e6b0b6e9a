// The CORS page of one bucket: editor, simulator and the real-browser probe.
export function render(main, { bucket }) {
  const h1 = document.createElement("h1");
  h1.tabIndex = -1;
  h1.textContent = `CORS: ${bucket}`;
  main.replaceChildren(h1);
}
