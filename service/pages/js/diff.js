// 对比与影响: what entered, left or changed between two dates of the list or two versions of a standard.
import { api, loadWords } from "./api.js";
import { $, el, fill, nav, showError, todayInChina } from "./dom.js";

$("#nav").append(nav("对比与影响"));
const words = await loadWords();
const standards = await api.standards(todayInChina());

const KIND = { added: "列入", removed: "移出", changed: "变更", not_comparable: "无法逐条比较" };

function side(label, c) {
  return el("div", { class: "side" }, el("div", { class: "meta" },
    `${label}：${c.document_number} ${c.clause} · ${words.method[c.method]} · ${words.text_status[c.text_status]}`),
  el("blockquote", {}, c.text), el("p", { class: "condition" }, el("b", {}, "判定条件："), c.condition));
}

function change(c) {
  const heading = c.kind === "changed" ? `【变更：${c.what.join("、")}】${c.old.clause} → ${c.new.clause}`
    : `【${KIND[c.kind]}】${(c.new || c.old).clause}`;
  return el("li", { class: `change change-${c.kind}` }, el("b", {}, heading),
    c.reason ? el("p", { class: "meta" }, words.plain(c.reason)) : null,
    el("div", { class: "sides" }, c.old ? side("旧", c.old) : null, c.new ? side("新", c.new) : null));
}

// One standard's changes: between two versions, or what a switch of version brings on a date.
function standardDiff(s, heading = true) {
  const count = (kind) => s.changes.filter((c) => c.kind === kind).length;
  return el("section", { class: "version-diff" },
    heading ? el("h3", {}, `${s.old_document || "无有效版本"} → ${s.new_document || "无有效版本"}`) : null,
    s.switch ? el("p", {}, words.plain(s.switch)) : null,
    el("p", {}, `未变 ${s.unchanged} 条；列入 ${count("added")}，移出 ${count("removed")}，变更 ${count("changed")}` +
      (count("not_comparable") ? `，无法逐条比较 ${count("not_comparable")}` : "")),
    s.method_changes.length ? el("ul", { class: "meta" }, s.method_changes.map((m) => el("li", {}, words.plain(m)))) : null,
    el("ol", { class: "changes" }, s.changes.map(change)));
}

function render(answer) {
  const byDates = "areas" in answer;  // two dates of the list, else two versions of one standard
  const body = byDates
    ? [el("h3", {}, "版本切换"), answer.switched.length ? el("ul", {}, answer.switched.map((s) => el("li", {}, words.plain(s))))
      : el("p", {}, "两个日期适用的标准版本相同。"),
    answer.areas.map((area) => el("section", { class: "area" }, el("h3", {}, area.name),
      area.standards.map((s) => standardDiff(s))))]
    : [standardDiff(answer.diff, false)];
  fill($("#result"), el("h2", { id: "diff-title" }, answer.title), body,
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
