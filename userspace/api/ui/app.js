// SPDX-License-Identifier: GPL-2.0-only
// whoflow's web UI: plain JavaScript over the API (docs/api.md), no library, no network beyond it.
"use strict";

const state = { token: sessionStorage.getItem("whoflow-token") || "", timer: null };
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k.nodeType ? k : document.createTextNode(String(k)));
  return e;
}

async function api(path) {
  const r = await fetch(path, { headers: { Authorization: "Bearer " + state.token } });
  if (r.status === 401) { sessionStorage.removeItem("whoflow-token"); state.token = ""; showLogin("The token was refused."); throw new Error("401"); }
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.status);
  return body;
}

// A change (--api-allow-write): the answer, or an Error with the API's reason.
async function send(method, path, body, type) {
  const headers = { Authorization: "Bearer " + state.token };
  if (body !== undefined) headers["Content-Type"] = type || "application/json";
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : (type ? body : JSON.stringify(body)) });
  if (r.status === 401) { sessionStorage.removeItem("whoflow-token"); state.token = ""; showLogin("The token was refused."); throw new Error("401"); }
  const answer = await r.json();
  if (!r.ok) throw new Error(answer.error || r.status);
  return answer;
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// Every page's items; alerts' pages also carry the triage of their marked alerts (items.triage).
async function all(path, max) {
  let items = [], triage = [], cursor = null;
  do {
    const page = await api(path + (path.includes("?") ? "&" : "?") + "limit=1000" + (cursor ? "&cursor=" + cursor : ""));
    items = items.concat(page.items);
    triage = triage.concat(page.triage || []);
    cursor = page.next_cursor;
  } while (cursor && items.length < (max || 20000));
  items.triage = triage;
  return items;
}

function showLogin(msg) {
  $("#login").hidden = false;
  $("#view").replaceChildren();
  $("#login-error").textContent = msg || "";
  $("#token").focus();
}

$("#login").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  state.token = $("#token").value.trim();
  try {
    await api("/api/processes?limit=1");
    sessionStorage.setItem("whoflow-token", state.token);
    $("#login").hidden = true;
    route();
  } catch (e) { if (e.message !== "401") $("#login-error").textContent = e.message; }
});

function setStatus(text) { $("#status").textContent = text; }

// -- the process tree ---------------------------------------------------------------

function treeOf(procs) {
  const by = new Map(procs.map((p) => [p.entity_id, { p, kids: [] }]));
  const roots = [];
  for (const n of by.values()) {
    const parent = n.p.parent_entity_id && by.get(n.p.parent_entity_id);
    // a container's processes start a group of their own where the parent is outside it
    if (parent && parent.p.container_id === n.p.container_id) parent.kids.push(n); else roots.push(n);
  }
  const order = (a, b) => (a.p.start || "").localeCompare(b.p.start || "");
  for (const n of by.values()) n.kids.sort(order);
  roots.sort(order);
  return roots;
}

function matches(p, q) {
  if (!q) return false;
  q = q.toLowerCase();
  return [p.comm, String(p.pid), p.executable, p.container_id, p.container_name, p.command_line].some((v) => v && v.toLowerCase().includes(q));
}

function renderNode(n, q) {
  const p = n.p;
  const li = el("li", { class: "node" + (p.end ? " exited" : "") + (matches(p, q) ? " match" : ""), "data-entity": p.entity_id, "data-pid": p.pid },
    el("a", { href: "#/process/" + p.entity_id }, p.comm || "?"),
    el("span", { class: "pid" }, p.pid),
    el("span", { class: "exe" }, p.command_line || p.executable || ""));
  if (n.kids.length) li.append(el("ul", {}, ...n.kids.map((k) => renderNode(k, q))));
  return li;
}

async function viewProcesses() {
  const q = (new URLSearchParams(location.hash.split("?")[1] || "")).get("q") || "";
  const procs = await all("/api/processes");
  const roots = treeOf(procs);
  const groups = new Map();
  const names = new Map(); // container id -> its name, image and pod, as the runtime said them
  for (const r of roots) {
    const key = r.p.container_id || "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(r);
    if (key && r.p.container_name) names.set(key, r.p);
  }
  const title = (key) => {
    const p = names.get(key);
    if (!p) return "container " + key.slice(0, 12);
    return "container " + p.container_name + (p.container_image ? " (" + p.container_image + ")" : "") +
      (p.pod ? ", pod " + (p.k8s_namespace ? p.k8s_namespace + "/" : "") + p.pod : "");
  };
  const search = el("input", { id: "search", type: "search", placeholder: "name, pid, executable or container", value: q, size: 40 });
  search.addEventListener("change", () => { location.hash = "#/processes?q=" + encodeURIComponent(search.value); });
  const view = el("div", {}, el("div", { class: "toolbar" }, search, el("span", {}, procs.length + " processes, exited ones greyed")));
  for (const [key, rs] of [...groups.entries()].sort()) {
    view.append(el("div", { class: "group", "data-container": key || "host" },
      el("h2", {}, key ? title(key) : "host"), el("ul", { class: "tree" }, ...rs.map((r) => renderNode(r, q)))));
  }
  $("#view").replaceChildren(view);
  setStatus("updated " + new Date().toLocaleTimeString());
}

// -- one process ----------------------------------------------------------------------

function describe(ev) {
  const g = (path) => path.split(".").reduce((o, k) => (o == null ? o : o[k]), ev);
  const kind = g("event.action");
  if (kind === "flow") return [g("network.transport") + " " + g("source.ip") + ":" + g("source.port") + " → " + g("destination.ip") + ":" + g("destination.port"), (g("network.bytes") || 0) + " bytes"];
  if (g("dns.type")) return [(g("dns.type") === "query" ? "asked " : "answer ") + g("dns.question.name") + " " + (g("dns.question.type") || ""), (g("dns.resolved_ip") || []).join(", ")];
  if (kind === "tls-client-hello") return ["TLS to " + (g("tls.client.server_name") || g("destination.ip")), g("tls.version") ? "TLS " + g("tls.version") : ""];
  if (kind === "http-request") return [g("http.request.method") + " " + (g("url.domain") || "") + (g("url.path") || ""), ""];
  if (kind === "exec") return ["exec " + (g("process.command_line") || ""), ""];
  if (kind === "exit") return ["exit " + g("process.exit_code"), ""];
  if (kind === "sigma-match") return ["alert: " + g("rule.name"), g("whoflow.rule.level") || ""];
  return [kind, ""];
}

async function viewProcess(id) {
  const t = await api("/api/processes/" + id);
  const evs = await all("/api/processes/" + id + "/events", 5000);
  const p = t.process;
  const exec = evs.find((e) => e.event && e.event.action === "exec");
  const env = exec && exec.process && exec.process.env_vars;
  const kv = (k, v) => [el("dt", {}, k), el("dd", {}, v == null ? "—" : v)];
  const dl = el("dl", { class: "kv", id: "process-fields" },
    ...kv("command line", p.command_line), ...kv("executable", p.executable), ...kv("pid", p.pid), ...kv("parent", t.ancestors.length ? t.ancestors[0].comm + " " + t.ancestors[0].pid : p.ppid),
    ...kv("user", p.user), ...kv("working directory", p.cwd), ...kv("container", p.container_id), ...kv("container name", p.container_name),
    ...kv("image", p.container_image), ...kv("pod", p.pod ? (p.k8s_namespace ? p.k8s_namespace + "/" : "") + p.pod : null), ...kv("cgroup", p.cgroup),
    ...kv("started", p.start), ...kv("ended", p.end ? p.end + " (exit " + p.exit_code + ")" : null),
    ...kv("md5", p.md5), ...kv("sha256", p.sha256), ...kv("environment", env ? env.join("\n") : null));
  const byTime = (a, b) => a["@timestamp"].localeCompare(b["@timestamp"]);
  const rows = evs.slice().sort(byTime).map((e) => {
    const [what, more] = describe(e);
    return el("tr", { "data-kind": e.event.action }, el("td", {}, e["@timestamp"]), el("td", { class: "kind" }, e.event.action), el("td", {}, what), el("td", {}, more));
  });
  const anc = t.ancestors.slice().reverse().map((a) => el("a", { href: "#/process/" + a.entity_id }, a.comm + " " + a.pid));
  const path = el("p", { id: "ancestry" });
  anc.forEach((a) => path.append(a, " › "));
  path.append(el("strong", {}, p.comm + " " + p.pid));
  const kids = t.children.map((c) => el("li", {}, el("a", { href: "#/process/" + c.entity_id }, c.comm + " " + c.pid)));
  $("#view").replaceChildren(el("div", { id: "process" }, path, dl,
    el("h2", {}, "Children"), kids.length ? el("ul", { id: "children" }, ...kids) : el("p", {}, "none"),
    el("h2", {}, "Timeline"), el("table", { id: "timeline" }, el("tr", {}, el("th", {}, "time"), el("th", {}, "event"), el("th", {}, "what"), el("th", {}, "")), ...rows)));
  setStatus(evs.length + " events");
}

// -- flows and DNS ----------------------------------------------------------------------

async function viewList(kind) {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const filter = {};
  for (const k of ["pid", "command", "name"]) if (params.get(k)) filter[k] = params.get(k);
  const qs = new URLSearchParams(filter).toString();
  const evs = await all("/api/" + kind + (qs ? "?" + qs : ""), 5000);
  const inputs = ["pid", "command"].concat(kind === "dns" ? ["name"] : []).map((k) =>
    el("label", {}, k + " ", el("input", { id: "filter-" + k, value: filter[k] || "", size: 14 })));
  const apply = el("button", { id: "apply", onclick: () => {
    const f = {};
    for (const k of ["pid", "command", "name"]) { const i = $("#filter-" + k); if (i && i.value) f[k] = i.value; }
    location.hash = "#/" + kind + "?" + new URLSearchParams(f).toString();
  } }, "Filter");
  const rows = evs.map((e) => {
    const [what, more] = describe(e);
    const pr = e.process || {};
    return el("tr", {}, el("td", {}, e["@timestamp"]),
      el("td", {}, pr.entity_id ? el("a", { href: "#/process/" + pr.entity_id }, (pr.name || "?") + " " + pr.pid) : "unknown"),
      el("td", {}, what), el("td", {}, more));
  });
  $("#view").replaceChildren(el("div", {}, el("div", { class: "toolbar" }, ...inputs, apply, el("span", {}, evs.length + " events")),
    el("table", { id: kind + "-table" }, el("tr", {}, el("th", {}, "time"), el("th", {}, "process"), el("th", {}, "what"), el("th", {}, "")), ...rows)));
  setStatus("updated " + new Date().toLocaleTimeString());
}

// -- alerts and their triage ------------------------------------------------------------

async function viewAlerts() {
  const status = (new URLSearchParams(location.hash.split("?")[1] || "")).get("status") || "";
  const [alerts, rules] = await Promise.all([all("/api/alerts" + (status ? "?status=" + status : ""), 500), api("/api/rules")]);
  const pick = el("select", { id: "filter-status" }, ...["", "new", "acknowledged", "resolved"].map((s) =>
    el("option", s === status ? { value: s, selected: "" } : { value: s }, s || "any triage")));
  pick.addEventListener("change", () => { location.hash = "#/alerts" + (pick.value ? "?status=" + pick.value : ""); });
  const marked = new Map(alerts.triage.map((t) => [t.event_id, t])); // the others are new
  const msg = el("p", { id: "alert-message", class: "error" });
  const act = (a, status) => el("button", { class: "triage-" + status, onclick: async () => {
    try { await send("POST", "/api/alerts/" + a.event.id + "/triage", { status }); await viewAlerts(); }
    catch (e) { if (e.message !== "401") $("#alert-message").textContent = e.message; }
  } }, status === "acknowledged" ? "Acknowledge" : status === "resolved" ? "Resolve" : "Reopen");
  const rows = alerts.map((a) => {
    const t = marked.get(a.event.id) || { status: "new", note: null }, pr = a.process || {};
    const buttons = rules.writable ? ["acknowledged", "resolved", "new"].filter((s) => s !== t.status).map((s) => act(a, s)) : [];
    return el("tr", { "data-alert": a.event.id, "data-status": t.status },
      el("td", {}, a["@timestamp"]),
      el("td", {}, pr.entity_id ? el("a", { href: "#/process/" + pr.entity_id }, (pr.name || "?") + " " + pr.pid) : "unknown"),
      el("td", {}, (a.rule && a.rule.name) || ""), el("td", {}, (a.whoflow && a.whoflow.rule && a.whoflow.rule.level) || (a.rule && a.rule.level) || ""),
      el("td", { class: "status" }, t.status + (t.note ? " (" + t.note + ")" : "")), el("td", {}, ...buttons));
  });
  $("#view").replaceChildren(el("div", {}, el("div", { class: "toolbar" }, pick, el("span", {}, alerts.length + " alerts" + (rules.writable ? "" : ", read only (--api-allow-write changes triage)"))), msg,
    el("table", { id: "alerts-table", "data-filter": status || "any" }, el("tr", {}, el("th", {}, "time"), el("th", {}, "process"), el("th", {}, "rule"), el("th", {}, "level"), el("th", {}, "triage"), el("th", {}, "")), ...rows)));
  setStatus("updated " + new Date().toLocaleTimeString());
}

// -- rules --------------------------------------------------------------------------------

// After a change, the monitor reloads the rule directory: the list is read again until it shows it.
async function rulesUntil(done) {
  for (let i = 0; i < 40; i++) {
    const r = await api("/api/rules");
    if (done(r)) return;
    await sleep(250);
  }
}

async function viewRules(message) {
  const rules = await api("/api/rules");
  const msg = el("p", { id: "rule-message", class: "error" }, message || "");
  const change = (r, what) => el("button", { class: "rule-" + what, onclick: async () => {
    try {
      if (what === "delete") await send("DELETE", "/api/rules/" + r.id);
      else await send("POST", "/api/rules/" + r.id + "/" + what);
      await rulesUntil((l) => what === "delete" ? !l.items.some((x) => x.id === r.id) : l.items.some((x) => x.id === r.id && x.enabled === (what === "enable")));
      await viewRules();
    } catch (e) { if (e.message !== "401") $("#rule-message").textContent = e.message; }
  } }, what[0].toUpperCase() + what.slice(1));
  const rows = rules.items.map((r) => el("tr", { "data-rule": r.id || "", "data-enabled": String(r.enabled) },
    el("td", {}, r.title), el("td", {}, r.level || ""), el("td", {}, r.category), el("td", {}, r.id || ""), el("td", {}, r.file),
    el("td", {}, r.enabled ? "enabled" : "disabled"),
    el("td", {}, ...(rules.writable && r.id ? [change(r, r.enabled ? "disable" : "enable")].concat(/\/api-[^/]*\.yml$/.test(r.file) ? [change(r, "delete")] : []) : []))));
  const c = rules.counts;
  const parts = [el("div", { class: "toolbar" }, el("span", {}, rules.detection ? c.usable + " usable, " + c.disabled + " disabled, " + c.skipped + " skipped, " + c.broken + " broken, from " + c.files + " files" : "no rules run here (--rules beside --api)")), msg,
    el("table", { id: "rules-table" }, el("tr", {}, el("th", {}, "title"), el("th", {}, "level"), el("th", {}, "category"), el("th", {}, "id"), el("th", {}, "file"), el("th", {}, "state"), el("th", {}, "")), ...rows)];
  if (rules.writable) {
    const text = el("textarea", { id: "rule-text", rows: 12, cols: 80, placeholder: "one Sigma rule, as YAML (with an id)" });
    parts.push(el("h2", {}, "Add a rule"), text, el("div", {}, el("button", { id: "rule-add", onclick: async () => {
      try {
        const r = await send("POST", "/api/rules", text.value, "application/yaml");
        await rulesUntil((l) => l.items.some((x) => x.id === r.id));
        await viewRules("added " + r.title + " (" + r.file + ")");
      } catch (e) { if (e.message !== "401") $("#rule-message").textContent = e.message; }
    } }, "Add")));
  }
  $("#view").replaceChildren(el("div", {}, ...parts));
  setStatus("updated " + new Date().toLocaleTimeString());
}

// -- routing ---------------------------------------------------------------------------

async function route() {
  clearInterval(state.timer);
  if (!state.token) return showLogin();
  const h = location.hash || "#/processes";
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("on", h.startsWith(a.getAttribute("href")));
  try {
    if (h.startsWith("#/process/")) await viewProcess(h.slice(10).split("?")[0]);
    else if (h.startsWith("#/flows")) await viewList("flows");
    else if (h.startsWith("#/dns")) await viewList("dns");
    else if (h.startsWith("#/alerts")) await viewAlerts();
    else if (h.startsWith("#/rules")) await viewRules();
    else {
      await viewProcesses();
      state.timer = setInterval(() => viewProcesses().catch(() => {}), 3000); // live
    }
  } catch (e) { if (e.message !== "401") setStatus("error: " + e.message); }
}

window.addEventListener("hashchange", route);
route();
