// The browser's language, made usable by Intl before anything formats with it. WebKitGTK
// reports the POSIX locale of its environment as navigator.language, so under LANG=C or
// LANG=C.UTF-8 (the default of many Linux images) it is "C", which is not a BCP 47 language
// tag: Intl.NumberFormat("C") throws a RangeError, and uPlot builds one with
// navigator.language as its module loads, which would stop the whole console before it
// draws. Such a browser is given "en-US", the language the console's own text is written in.
// This module must be imported before any other.
try {
  Intl.getCanonicalLocales(navigator.language);
} catch {
  Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
}
