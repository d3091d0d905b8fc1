// Typeset TeX as MathML with Temml, for hooks/maths.py.
// stdin: a JSON array of {tex, display}; stdout: a JSON array of {html} or {error}.
// throwOnError: a TeX mistake is reported (and fails the build) instead of being shown in red.
"use strict";
const temml = require("temml");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const items = JSON.parse(input);
  const out = items.map(({ tex, display }) => {
    try {
      return { html: temml.renderToString(tex, { displayMode: display, throwOnError: true, annotate: true }) };
    } catch (err) {
      return { error: String(err.message || err) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
