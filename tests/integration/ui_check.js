// SPDX-License-Identifier: GPL-2.0-only
// Drives whoflow's web UI in Debian's chromium (playwright-core from tests/npm) and prints what it
// saw as JSON for test_ui.py to judge. usage: node ui_check.js URL TOKEN SHOT_DIR WANT_JSON
"use strict";
const { start } = require("./ui_browser.js");

(async () => {
  const { url, token, shots, want, browser, page, out } = await start();
  page.on("request", (r) => out.requests.push(r.url()));
  page.on("response", (r) => { if (r.status() >= 400) out.errors.push(r.status() + " " + r.url() + " " + (r.request().headers()["authorization"] || "").slice(0, 20)); });
  const node = (id) => `li.node[data-entity="${id}"]`;

  await page.goto(url);
  out.login_shown = await page.isVisible("#login");
  await page.fill("#token", "not-the-token");
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#login-error").textContent.length > 0);
  out.bad_token_message = await page.textContent("#login-error");
  await page.fill("#token", token);
  out.errors.length = 0; // the refused token's 401 was expected; from now on, none
  await page.click("button[type=submit]");
  await page.waitForSelector(node(want.dig));
  out.dig_parent = await page.$eval(node(want.dig), (li) => li.parentElement.closest("li.node").dataset.entity);
  out.actor_exited = await page.$eval(node(want.actor), (li) => li.classList.contains("exited"));
  out.groups = await page.$$eval(".group", (gs) => gs.map((g) => g.dataset.container));
  await page.screenshot({ path: shots + "/processes.png", fullPage: true });

  // search by name: the match is marked
  await page.fill("#search", "dig");
  await page.press("#search", "Enter");
  await page.waitForSelector(node(want.dig) + ".match");
  out.matches = await page.$$eval("li.node.match", (ls) => ls.map((l) => l.dataset.entity));

  // the token stays for the tab: a reload does not ask again
  await page.reload();
  await page.waitForSelector(node(want.dig));
  out.login_after_reload = await page.isVisible("#login");

  // the actor's page: fields and its timeline
  await page.click(node(want.actor) + " > a");
  await page.waitForSelector("#timeline tr[data-kind=flow]");
  out.process_fields = await page.$$eval("#process-fields dt", (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  out.timeline = await page.$$eval("#timeline tr[data-kind]", (rs) => rs.map((r) => [r.dataset.kind, r.cells[2].textContent, r.cells[3].textContent]));
  await page.screenshot({ path: shots + "/process.png", fullPage: true });

  // the shell's page: dig among its children
  await page.goto(url + "#/process/" + want.shell);
  await page.waitForSelector("#children a");
  out.shell_children = await page.$$eval("#children a", (as) => as.map((a) => a.textContent));

  // flows, filtered by the actor's pid
  await page.goto(url + "#/flows?pid=" + want.actor_pid);
  await page.waitForSelector("#flows-table tr:nth-child(2)");
  out.flows = await page.$$eval("#flows-table tr", (rs) => rs.slice(1).map((r) => [r.cells[1].textContent, r.cells[2].textContent]));
  await page.screenshot({ path: shots + "/flows.png", fullPage: true });

  await page.goto(url + "#/dns?name=" + want.dns_name);
  await page.waitForSelector("#dns-table tr:nth-child(2)");
  out.dns = await page.$$eval("#dns-table tr", (rs) => rs.slice(1).map((r) => [r.cells[1].textContent, r.cells[2].textContent, r.cells[3].textContent]));
  await page.screenshot({ path: shots + "/dns.png", fullPage: true });

  // /docs: swagger-ui over the server's own contract, every path in it
  await page.goto(url + "docs");
  await page.waitForSelector(".opblock-summary-path");
  out.docs_paths = await page.$$eval(".opblock-summary-path", (ps) => ps.map((p) => p.getAttribute("data-path")));
  out.docs_title = await page.textContent(".info .title");
  await page.screenshot({ path: shots + "/docs.png" });

  console.log(JSON.stringify(out));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
