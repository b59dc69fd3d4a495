// SPDX-License-Identifier: GPL-2.0-only
// Drives the web UI's writing views (rules, alert triage; --api-allow-write) in Debian's chromium
// (playwright-core from tests/npm) and prints what it saw as JSON for test_ui.py to judge.
// usage: node ui_write.js URL TOKEN SHOT_DIR WANT_JSON
"use strict";
const { start } = require("./ui_browser.js");

(async () => {
  // The broken rule's upload is refused (400) on purpose.
  const { url, token, shots, want, browser, page, out } = await start((text) => text.includes("status of 400"));
  page.on("request", (r) => out.requests.push(r.method() + " " + r.url()));
  const rule = (id) => `#rules-table tr[data-rule="${id}"]`;

  await page.goto(url + "#/rules");
  await page.fill("#token", token);
  await page.click("button[type=submit]");
  await page.waitForSelector(rule(want.base_id));
  out.rules_before = await page.$$eval("#rules-table tr[data-rule]", (rs) => rs.map((r) => [r.dataset.rule, r.dataset.enabled]));

  // A broken rule: the API's reason shown, nothing added.
  await page.fill("#rule-text", "title: [broken\n");
  await page.click("#rule-add");
  await page.waitForFunction(() => document.querySelector("#rule-message").textContent.length > 0);
  out.broken_message = await page.textContent("#rule-message");

  // A good one: listed once the monitor has reloaded.
  await page.fill("#rule-text", want.rule_text);
  await page.click("#rule-add");
  await page.waitForSelector(rule(want.new_id) + '[data-enabled="true"]');
  out.added_message = await page.textContent("#rule-message");
  await page.click(rule(want.new_id) + " button.rule-disable");
  await page.waitForSelector(rule(want.new_id) + '[data-enabled="false"]');
  out.base_buttons = await page.$$eval(rule(want.base_id) + " button", (bs) => bs.map((b) => b.textContent));
  out.new_buttons = await page.$$eval(rule(want.new_id) + " button", (bs) => bs.map((b) => b.textContent));
  await page.screenshot({ path: shots + "/rules.png", fullPage: true });

  // The alert: acknowledged from its row.
  await page.goto(url + "#/alerts");
  const row = `#alerts-table tr[data-alert="${want.alert_id}"]`;
  await page.waitForSelector(row + '[data-status="new"]');
  await page.click(row + " button.triage-acknowledged");
  await page.waitForSelector(row + '[data-status="acknowledged"]');
  out.alert_row = await page.$eval(row, (r) => [...r.cells].map((c) => c.textContent));
  // Filtered by triage: the acknowledged one is under "acknowledged", not under "new".
  await page.selectOption("#filter-status", "new");
  await page.waitForSelector('#alerts-table[data-filter="new"]'); // the view made again with the filter
  out.new_alerts = await page.$$eval("#alerts-table tr[data-alert]", (rs) => rs.map((r) => r.dataset.alert));
  await page.selectOption("#filter-status", "acknowledged");
  await page.waitForSelector('#alerts-table[data-filter="acknowledged"] ' + row.replace("#alerts-table ", ""));
  out.acknowledged_alerts = await page.$$eval("#alerts-table tr[data-alert]", (rs) => rs.map((r) => r.dataset.alert));
  await page.screenshot({ path: shots + "/alerts.png", fullPage: true });

  console.log(JSON.stringify(out));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
