// 对比与影响: what entered, left or changed between two dates of the list or two versions of a standard.
import { api, loadWords } from "./api.js";
import { $, el, fill, nav, showError, todayInChina } from "./dom.js";

$("#nav").append(nav("对比与影响"));
const words = await loadWords();
const standards = await api.standards(todayInChina());

const KIND = { added: "新增", removed: "删除", changed: "变更" };

function side(label, c) {
  return el("div", { class: "side" }, el("div", { class: "meta" },
    `${label}：${c.document_number} ${c.clause} · ${words.method[c.method]} · ${words.text_status[c.text_status]}`),
  el("blockquote", {}, c.text), el("p", { class: "condition" }, el("b", {}, "判定条件："), c.condition));
}

function change(c) {
  const heading = c.kind === "changed" ? `【变更：${c.what.join("、")}】${c.old.clause} → ${c.new.clause}`
    : `【${KIND[c.kind]}】${(c.new || c.old).clause}`;
  return el("li", { class: `change change-${c.kind}` }, el("b", {}, heading),
    el("div", { class: "sides" }, c.old ? side("旧", c.old) : null, c.new ? side("新", c.new) : null));
}

function versionDiff(v, heading = true) {
  const count = (kind) => v.changes.filter((c) => c.kind === kind).length;
  return el("section", { class: "version-diff" },
    heading ? el("h3", {}, `${v.old_document} → ${v.new_document}`) : null,
    el("p", {}, `未变 ${v.unchanged} 条；新增 ${count("added")}，删除 ${count("removed")}，变更 ${count("changed")}`),
    v.method_changes.length ? el("ul", { class: "meta" }, v.method_changes.map((m) => el("li", {}, words.plain(m)))) : null,
    el("ol", { class: "changes" }, v.changes.map(change)));
}

function render(answer) {
  const d = answer.diff;
  const head = answer.kind === "dates" ? `清单变化：${d.old} → ${d.new}` : `标准版本变化：${d.old_document} → ${d.new_document}`;
  const body = answer.kind === "dates"
    ? [el("h3", {}, "版本切换"), d.switched.length ? el("ul", {}, d.switched.map((s) => el("li", {}, s)))
      : el("p", {}, "两个日期适用的标准版本相同。"), d.versions.map(versionDiff)]
    : [versionDiff(d, false)];
  fill($("#result"), el("h2", { id: "diff-title" }, head), body,
    el("p", { class: "meta" }, "规则摘要 ", el("code", {}, answer.rules_digest.slice(0, 12))));
}

async function run() {
  const byDates = document.querySelector('input[name="mode"]:checked').value === "dates";
  const [old, new_] = byDates ? [$("#old-date").value, $("#new-date").value]
    : [`${$("#standard").value}@${$("#old-version").value}`, `${$("#standard").value}@${$("#new-version").value}`];
  try {
    render(await api.diff(old, new_));
  } catch (error) {
    showError($("#result"), error);
  }
  document.body.dataset.compared = String(Number(document.body.dataset.compared || 0) + 1);
}

function fillVersions() {
  const versions = standards.find((s) => s.id === $("#standard").value)?.versions || [];
  const options = () => versions.map((v) => el("option", { value: v.version }, `${v.document_number}（${v.version}）`));
  fill($("#old-version"), options());
  fill($("#new-version"), options());
  if (versions.length > 1) $("#new-version").value = versions.at(-1).version;
}

fill($("#standard"), standards.filter((s) => s.versions.length > 1).map((s) =>
  el("option", { value: s.id }, s.versions.at(-1).document_number.replace(/-\d{4}$/, ""))));
fillVersions();
$("#standard").addEventListener("change", fillVersions);
for (const radio of document.querySelectorAll('input[name="mode"]')) {
  radio.addEventListener("change", () => {
    const byDates = radio.value === "dates" && radio.checked;
    $("#by-dates").hidden = !byDates;
    $("#by-versions").hidden = byDates;
  });
}
const params = new URLSearchParams(location.search);
const today = todayInChina();
$("#old-date").value = params.get("old") || `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
$("#new-date").value = params.get("new") || today;
$("#run").addEventListener("click", run);
await run();
document.body.dataset.ready = "true";
