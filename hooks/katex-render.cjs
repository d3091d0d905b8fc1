// Render TeX to HTML with KaTeX, for hooks/katex.py.
// stdin: a JSON array of {tex, display}; stdout: a JSON array of {html} or {error}.
// throwOnError: a TeX mistake is reported (and fails the build) instead of being shown in red.
"use strict";
const katex = require("katex");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const items = JSON.parse(input);
  const out = items.map(({ tex, display }) => {
    try {
      return {
        html: katex.renderToString(tex, {
          displayMode: display,
          throwOnError: true,
          strict: "error",
          output: "htmlAndMathml", // MathML for screen readers, HTML for the eye
          trust: false,
        }),
      };
    } catch (err) {
      return { error: String(err.message || err) };
    }
  });
  process.stdout.write(JSON.stringify(out));
});
