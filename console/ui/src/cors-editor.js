// The code editor of the CORS page: CodeMirror 6 with line numbers, history, bracket matching,
// JSON or XML highlighting, and a lint gutter fed from the server's validation (the editor
// itself checks nothing). Tab is left to the browser, so the keyboard never gets trapped in
// the editor (https://codemirror.net/examples/tab/); Escape then Tab works too.
import { EditorState, Compartment, Prec } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, syntaxHighlighting, defaultHighlightStyle, indentOnInput } from "@codemirror/language";
import { json } from "@codemirror/lang-json";
import { xml } from "@codemirror/lang-xml";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { oneDark } from "@codemirror/theme-one-dark";
import { isDark } from "./theme.js";

// The page's own colours, from app.css's custom properties, so both themes keep their
// contrast; the dark theme adds One Dark's syntax colours.
const base = EditorView.theme({
  "&": { color: "var(--fg)", backgroundColor: "var(--code-bg)", border: "1px solid var(--border)", borderRadius: "4px" },
  "&.cm-focused": { outline: "3px solid var(--focus)", outlineOffset: "2px" },
  ".cm-content": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", caretColor: "var(--fg)" },
  ".cm-gutters": { backgroundColor: "var(--code-bg)", color: "var(--fg)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "transparent" },
  ".cm-scroller": { minHeight: "12em", maxHeight: "60vh", overflow: "auto" },
});

// The dark theme: One Dark's syntax colours, on the page's own background and text colours.
const dark = [oneDark, Prec.highest(EditorView.theme(
  {
    "&": { color: "var(--fg)", backgroundColor: "var(--code-bg)" },
    ".cm-gutters": { backgroundColor: "var(--code-bg)", color: "var(--fg)" },
    ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "transparent" },
  },
  { dark: true },
))];
const light = syntaxHighlighting(defaultHighlightStyle, { fallback: true });

const languages = { json: () => json(), xml: () => xml() };

// createEditor puts an editor into parent. onChange(text) is called after each edit;
// describedBy names the elements that describe the editor (aria-describedby); signal, when
// aborted (the page is left), ends its listening to the theme.
export function createEditor(parent, { text, format, onChange, describedBy, signal }) {
  const language = new Compartment();
  const theme = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightActiveLine(),
        drawSelection(),
        history(),
        indentOnInput(),
        bracketMatching(),
        lintGutter(),
        keymap.of([...defaultKeymap, ...historyKeymap, ...lintKeymap]),
        language.of(languages[format]()),
        theme.of(isDark() ? dark : light),
        Prec.highest(base),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": "CORS configuration", "aria-multiline": "true", "aria-describedby": describedBy }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange(u.state.doc.toString());
        }),
      ],
    }),
  });

  // The theme follows the page's: theme.js says when the console's choice or, when that is
  // the system's, the system's scheme changes.
  const retheme = () => {
    if (!view.dom.isConnected) {
      document.removeEventListener("doorman-theme", retheme);
      return;
    }
    view.dispatch({ effects: theme.reconfigure(isDark() ? dark : light) });
  };
  document.addEventListener("doorman-theme", retheme, { signal });

  return {
    view,
    text: () => view.state.doc.toString(),
    // setText replaces the whole document as one undoable change.
    setText(next) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } });
    },
    setFormat(format) {
      view.dispatch({ effects: language.reconfigure(languages[format]()) });
    },
    // show puts diagnostics {line, column, severity, message, source} (1-based positions,
    // column 0 for the whole line) into the gutter and the text.
    show(list) {
      view.dispatch(setDiagnostics(view.state, list.map((d) => diagnostic(view.state.doc, d))));
    },
    // goTo puts the cursor at a 1-based line and column and focuses the editor.
    goTo(line, column) {
      const { from } = span(view.state.doc, line, column);
      view.dispatch({ selection: { anchor: from }, scrollIntoView: true });
      view.focus();
    },
  };
}

// span is the range a diagnostic marks: from the column to the end of the token there (a
// whole line when the column is unknown).
function span(doc, line, column) {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  if (!column) return { from: l.from, to: l.to };
  const from = Math.min(l.from + column - 1, l.to);
  const rest = doc.sliceString(from, l.to);
  const m = rest.match(/^("(?:[^"\\]|\\.)*"?|<\/?[^\s>]*>?|[^\s,\]}<>]+)/);
  return { from, to: Math.min(from + Math.max(m ? m[0].length : 1, 1), l.to) };
}

function diagnostic(doc, d) {
  const { from, to } = d.line > 0 ? span(doc, d.line, d.column) : { from: 0, to: Math.min(doc.length, doc.line(1).to) };
  return { from, to, severity: d.severity, message: d.message, source: d.source };
}
