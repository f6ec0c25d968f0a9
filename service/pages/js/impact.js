// 对比与影响, the impact part: which verdicts the rules directory's candidate would change, re-judged
// by the service (POST /v1/admin/impact) under the admin token typed here (kept in this page only).
import { api } from "./api.js";
import { $, el, fill } from "./dom.js";

const REFUSED = {
  401: "管理令牌缺失或错误，未作评估。",
  403: "服务未配置管理令牌（HAZARD_ADMIN_TOKEN），影响评估已停用。",
  422: "未作评估，请改正以下问题后再试。",
};

function names(keys, labels) {
  return keys.map((key) => labels.get(key) || key).join("、");
}

function table(heads, rows, className) {
  return el("table", { class: `impact-table ${className}` }, el("thead", {}, el("tr", {}, heads.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows));
}

function transitions(list, labels, className) {
  return table(["旧结论", "新结论", "对象数", "对象"], list.map((t) => el("tr", { class: t.old === t.new ? "same" : "moved" },
    el("td", { class: "old" }, t.old), el("td", { class: "new" }, t.old === t.new ? "（不变）" : t.new),
    el("td", { class: "count" }, String(t.count)), el("td", { class: "subjects" }, names(t.subjects, labels)))), className);
}

function render(report) {
  const labels = new Map(report.changed.map((s) => [s.key, `${s.label}（${s.school}）`]));
  const moved = report.transitions.filter((t) => t.old !== t.new);
  const quiet = report.schools.filter((s) => !s.changed).length;
  fill($("#impact-result"),
    el("h3", { id: "impact-title" }, report.title),
    el("p", { class: "meta" }, `判定日期：${report.as_of || `各对象按原判定日期（没有日期的按 ${report.default_day}）`} · 在用规则 `,
      el("code", {}, report.active_digest.slice(0, 12)), " · 候选规则 ", el("code", {}, report.candidate_digest.slice(0, 12)),
      ` · 对象来源：${report.sources.join("；")}`),
    el("p", { class: "summary", id: "impact-summary" }, `重新判定 ${report.subjects} 个对象，${report.changed_subjects} 个有变化` +
      (moved.length ? `，其中 ${moved.reduce((n, t) => n + t.count, 0)} 个结论改变。` : "；没有结论改变。")),
    report.candidate_warnings.length ? [el("h4", {}, "候选规则的提示（未阻止比较）"),
      el("ul", { class: "warnings" }, report.candidate_warnings.map((w) => el("li", {}, w)))] : null,
    el("h4", {}, "结论的变化"), transitions(report.transitions, labels, "transitions"),
    report.completeness.length ? [el("h4", {}, "完整性的变化"), transitions(report.completeness, labels, "completeness")] : null,
    report.clauses.length ? [el("h4", {}, "按条款"), table(["条款", "新触发", "不再触发", "是否计入重大事故隐患改变"],
      report.clauses.map((c) => el("tr", { class: "clause-impact" }, el("td", { class: "clause" }, c.clause),
        [c.entered, c.left, c.counting].map((keys) => el("td", {}, names(keys, labels))))), "clauses")] : null,
    el("h4", {}, "按学校"), table(["学校", "对象数", "有变化", "变化"], report.schools.filter((s) => s.changed).map((s) =>
      el("tr", { class: "school-impact" }, el("td", { class: "school" }, s.school), el("td", {}, String(s.subjects)),
        el("td", {}, String(s.changed)),
        el("td", {}, Object.entries(s.transitions).map(([words, n]) => `${words}：${n}`).join("；")))), "schools"),
    quiet ? el("p", { class: "meta" }, `其余 ${quiet} 所学校（类别）没有变化。`) : null,
    report.changed.length ? [el("h4", {}, "有变化的对象"), table(["对象", "学校", "判定日期", "旧结论", "新结论", "新触发", "不再触发"],
      report.changed.map((s) => el("tr", { class: "changed-subject" }, el("td", {}, s.label), el("td", {}, s.school),
        el("td", {}, s.as_of), el("td", {}, s.old.label), el("td", {}, s.new.label), el("td", {}, s.entered.join("、")),
        el("td", {}, s.left.join("、")))), "changed")] : null);
}

// A refusal said in words: why (401, 403, 422), the service's own words, and where: a bad parameter,
// or each problem of the candidate rules at its file and line.
function refused(error) {
  const problem = error.problem || {};
  const rules = problem.rule_problems || [];
  const said = rules.length ? [problem.title, (problem.detail || "").split("\n")[0]] : [error.message];
  fill($("#impact-result"), el("div", { class: "error", role: "alert" }, [REFUSED[error.status], ...said].filter(Boolean).join("\n"),
    (problem.errors || []).map((e) => el("div", {}, `${e.pointer ?? e.parameter ?? ""}：${e.detail}`)),
    rules.length ? el("ul", { class: "rule-problems" }, rules.map((p) => el("li", {},
      el("code", {}, `${p.file}:${p.line ?? "?"}${p.column ? `:${p.column}` : ""}`), p.field ? ` ${p.field}` : "",
      `：${p.detail}`))) : null));
}

async function run() {
  const token = $("#admin-token").value.trim();
  if (!token) {
    fill($("#impact-result"), el("div", { class: "error", role: "alert" }, "请先填写管理令牌（HAZARD_ADMIN_TOKEN）。"));
    return;
  }
  $("#impact-run").disabled = true;
  fill($("#impact-result"), el("p", { class: "meta" }, "正在重新判定……"));
  try {
    render(await api.impact(token, $("#impact-date").value));
  } catch (error) {
    refused(error);
  } finally {
    $("#impact-run").disabled = false;
    document.body.dataset.assessed = String(Number(document.body.dataset.assessed || 0) + 1);
  }
}

$("#impact-run").addEventListener("click", run);
