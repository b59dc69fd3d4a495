// SPDX-License-Identifier: GPL-2.0-only
// The web UI's container groups in Debian's chromium (playwright-core from tests/npm): prints each
// group's key and title, and one process page's fields, as JSON for test_containers.py.
// usage: node ui_containers.js URL TOKEN ENTITY_ID
"use strict";
const { chromium } = require(process.env.PLAYWRIGHT_CORE);

(async () => {
  const [url, token, entity] = process.argv.slice(2);
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const page = await browser.newPage();
  const out = { errors: [] };
  page.on("pageerror", (e) => out.errors.push(String(e)));
  await page.goto(url);
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForSelector(".group h2");
  out.groups = await page.$$eval(".group", (gs) => gs.map((g) => [g.dataset.container, g.querySelector("h2").textContent]));
  await page.goto(url + "#/process/" + entity);
  await page.waitForSelector("#process-fields dt");
  out.fields = await page.$$eval("#process-fields dt", (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  await browser.close();
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
