// SPDX-License-Identifier: GPL-2.0-only
// What ui_check.js and ui_write.js share: their arguments (URL TOKEN SHOT_DIR WANT_JSON), Debian's
// chromium through playwright-core (tests/npm), and a page that records its errors.
"use strict";
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

// ignore(text): console errors the caller expects (a refused request it causes on purpose).
exports.start = async (ignore) => {
  const [url, token, shots, wantJson] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const out = { errors: [], requests: [] };
  page.on("pageerror", (e) => out.errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !(ignore && ignore(m.text()))) out.errors.push(m.text()); });
  return { url, token, shots, want: JSON.parse(wantJson), browser, page, out };
};
