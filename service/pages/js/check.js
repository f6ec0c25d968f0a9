// 检查: a kind of place and a date, the questionnaire, and the verdict as the answers come in.
// The service judges; this page only gathers answers, shows what the judgement says, and prints it.
import { api, loadWords, XLSX } from "./api.js";
import { $, el, fill, nav, showError, todayInChina } from "./dom.js";

$("#nav").append(nav("检查"));
const [words, factsSchema] = await Promise.all([loadWords(), api.facts()]);
const props = factsSchema.properties;
const placeFact = factsSchema["x-place-fact"];
let questionnaire = null;
let judgement = null;
let judging = 0; // the latest request's number: an older answer arriving late is dropped

// An enum fact's answers, [code, label] pairs, and a fact's label, as the facts schema gives them.
const choices = (prop) => Object.entries(prop["x-enum-labels"] || {});
const labelOf = (fact) => props[fact]?.["x-label"] || fact;

function input(q) {
  const name = q.fact;
  if (q.type === "boolean") {
    return el("span", { class: "answers" }, [["true", "是"], ["false", "否"], ["", "未答"]].map(([value, label]) =>
      el("label", {}, el("input", { type: "radio", name, value, checked: value === "" }), label)));
  }
  if (q.type === "enum") {
    return el("select", { name }, el("option", { value: "" }, "未答"),
      choices(props[name]).map(([code, label]) => el("option", { value: code }, label)));
  }
  if (q.type === "date") return el("input", { type: "date", name });
  const range = props[name] || {};
  return el("span", {}, el("input", { type: "number", name, step: q.type === "integer" ? "1" : "any",
    min: range.minimum, max: range.maximum, title: q.range || null }), q.unit ? ` ${q.unit}` : "");
}

function questionBlock(q) {
  return el("div", { class: `question level-${Math.min(q.level, 3)}`, "data-fact": q.fact, "data-follow-up": q.only_if.length ? "true" : null },
    el("div", { class: "ask" }, el("span", { class: "number" }, `${q.number}.`), el("span", { class: "q-label" }, q.label),
      el("span", { class: "badge decisive-badge" }, "关键问题")),
    q.only_if_text ? el("div", { class: "only-if" }, q.only_if_text) : null,
    input(q),
    el("div", { class: "effects" }),
    el("details", { class: "help" }, el("summary", {}, "说明与条款"), el("p", {}, q.help),
      el("p", { class: "meta" }, `涉及：${q.clauses.map((c) => `${c.document_number} ${c.clause}`).join("、")}`)));
}

function renderQuestions() {
  const form = $("#questions");
  fill(form,
    el("p", { class: "meta" }, `${questionnaire.place_label} · 判定日期 ${questionnaire.as_of} · 随答随判；“关键问题”的回答可能改变结论。`),
    questionnaire.notes.map((n) => el("p", { class: "gap-note" }, words.plain(n))),
    questionnaire.standards.map((s) => el("fieldset", { class: "standard" },
      el("legend", {}, `${s.document_number}《${s.title}》`),
      s.groups.map((g) => el("section", { class: "group" }, el("h3", {}, g.title), g.questions.map(questionBlock))),
      s.gaps.length ? el("p", { class: "gap-note" }, `未编码、未提问的部分：${s.gaps.map(words.plain).join("；")}`) : null)));
}

// The answers given so far, as the API's facts (a radio is a yes/no question).
function answers() {
  const facts = { [placeFact]: $("#place-kind").value };
  for (const field of $("#questions").elements) {
    if (!field.name || (field.type === "radio" && !field.checked) || field.value === "") continue;
    if (field.type === "radio") facts[field.name] = field.value === "true";
    else if (field.type === "number") facts[field.name] = Number(field.value);
    else facts[field.name] = field.value;
  }
  return facts;
}

function answerShown(fact, value) {
  if (value === true) return "是";
  if (value === false) return "否";
  const choice = props[fact] && choices(props[fact]).find(([code]) => code === value);
  return choice ? choice[1] : `${value}${props[fact]?.["x-unit"] ? " " + props[fact]["x-unit"] : ""}`;
}

const decisiveFacts = () => new Set((judgement?.missing_facts.decisive || []).flatMap((d) => d.facts.map((f) => f.name)));
const openFacts = () => new Set([...decisiveFacts(), ...(judgement?.missing_facts.other || []).map((m) => m.name)]);

// A follow-up shows once the judgement asks for it (its gate opened) or once it is answered.
function updateQuestions() {
  const facts = answers(), decisive = decisiveFacts(), open = openFacts();
  const effects = new Map();
  for (const d of judgement?.missing_facts.decisive || []) {
    for (const f of d.facts) effects.set(f.name, d.answers.map((a) => `答“${a.answer}”→${a.effect}`).join("；"));
  }
  for (const block of document.querySelectorAll(".question")) {
    const fact = block.dataset.fact;
    block.hidden = block.dataset.followUp === "true" && !(fact in facts) && !open.has(fact);
    block.classList.toggle("decisive", decisive.has(fact));
    block.querySelector(".effects").textContent = effects.get(fact) || "";
  }
  for (const section of document.querySelectorAll("#questions .group, #questions fieldset")) {
    section.hidden = !section.querySelector(".question:not([hidden])");
  }
}

function notEvaluated(j) {
  const numbers = new Map(j.standards.map((s) => [`${s.standard}@${s.version}`, s.document_number]));
  return j.coverage.not_evaluated.map((n) => {
    const number = numbers.get(`${n.standard}@${n.version}`) || `${n.standard} ${n.version}`;
    return n.whole ? `${number}：整份标准有效但未编码` :
      `${number}：${n.parts.map((p) => `${p.clause}（${words.gap_cause[p.cause] || p.cause}）`).join("、")}`;
  });
}

const factsLine = (facts) => facts.map((f) => `${f.label}：${f.display}${f.unit ? " " + f.unit : ""}`).join("；");

function findingBlock(f) {
  const c = f.citation;
  return el("li", { class: "finding" },
    el("b", {}, `${c.document_number} ${c.clause}`), ` ${words.method[f.method]} · ${words.text_status[c.text_status]}`,
    f.counts_toward_major === false ? el("span", { class: "badge" }, "不计入重大事故隐患") : null,
    el("blockquote", {}, c.text),
    el("div", { class: "meta" }, `依据事实：${factsLine(f.facts)}`),
    f.pending.length ? el("div", { class: "meta" }, `待确认的排除情形：${f.pending.join("、")}`) : null,
    f.blocked_by.length ? el("div", { class: "meta" }, `已确认的排除情形：${f.blocked_by.join("、")}`) : null);
}

function questionLine(d) {
  return el("li", { class: "open-question", "data-facts": d.facts.map((f) => f.name).join(" ") },
    el("a", { href: "#questions", onclick: (event) => { event.preventDefault(); focusQuestion(d.facts[0].name); } },
      d.facts.map((f) => f.label).join(" 与 ")),
    el("ul", {}, d.answers.map((a) => el("li", {}, `答“${a.answer}”→${a.effect}`))));
}

function focusQuestion(fact) {
  const block = document.querySelector(`.question[data-fact="${fact}"]`);
  if (!block) return;
  block.hidden = false;
  block.scrollIntoView({ block: "center" });
  block.querySelector("input, select")?.focus();
}

function renderVerdict() {
  const j = judgement;
  const other = j.missing_facts.other.length;
  fill($("#verdict"),
    el("h2", { class: `label cls-${j.classification}`, id: "verdict-label" }, j.label),
    el("p", { class: j.coverage.complete ? "complete" : "gap-note", id: "completeness" },
      j.coverage.complete ? "判定完整：判定日适用于该场所的标准均已编码。"
        : "判定不完整：以下适用于该场所的部分未经评估，“未发现隐患”“一般隐患”只就已编码的条款而言。"),
    j.coverage.complete ? null : el("ul", { class: "meta" }, notEvaluated(j).map((line) => el("li", {}, line))),
    el("h3", {}, `触发的条款（${j.findings.length}）`),
    j.findings.length ? el("ol", { id: "findings" }, j.findings.map(findingBlock)) : el("p", { class: "meta" }, "暂无。"),
    j.combined.length ? [el("h3", {}, "综合判定"), el("ul", {}, j.combined.map((c) => el("li", {},
      `${c.citation.document_number} ${c.citation.clause}：符合 ${c.count} 项，须 ${c.at_least} 项以上`)))] : null,
    j.exceptions_pending.length ? [el("h3", {}, "待确认的排除情形"), el("ul", {}, j.exceptions_pending.map((p) =>
      el("li", {}, `${p.document_number} ${p.clause}：${p.excluded_if}`)))] : null,
    el("h3", {}, `能改变结论的问题（${j.missing_facts.decisive.length}）`),
    j.missing_facts.decisive.length ? el("ol", { id: "open-questions" }, j.missing_facts.decisive.map(questionLine))
      : el("p", { class: "meta" }, "没有：再回答其他问题也不会改变结论。"),
    other ? el("p", { class: "meta" }, `另有 ${other} 个问题可能增加触发的条款，但不改变结论。`) : null,
    el("p", { class: "meta" }, "规则摘要 ", el("code", { title: j.provenance.rules_digest }, j.provenance.rules_digest.slice(0, 12))));
}

function renderReport() {
  const j = judgement;
  const facts = answers();
  const row = (name, value) => el("tr", {}, el("th", {}, name), el("td", {}, value));
  const made = new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai", dateStyle: "short", timeStyle: "short" }).format(new Date());
  fill($("#report"),
    el("h1", {}, "重大事故隐患现场检查判定报告"),
    el("table", { class: "facts" },
      row("被检查单位及场所", $("#facility").value || "（未填写）"),
      row("场所类型", questionnaire.place_label),
      row("判定日期（按该日有效的标准）", j.as_of),
      row("检查人员", $("#inspector").value || "（未填写）"),
      row("规则摘要", j.provenance.rules_digest),
      row("引擎", `${j.provenance.engine_version}（${j.provenance.evaluator}）`),
      row("生成时间", `${made}（北京时间）`)),
    el("h2", {}, "判定结论"),
    el("p", { class: `label cls-${j.classification}` }, j.label),
    el("p", {}, j.coverage.complete ? "判定完整。" : "判定不完整，未经评估的部分："),
    j.coverage.complete ? null : el("ul", {}, notEvaluated(j).map((line) => el("li", {}, line))),
    el("h2", {}, "触发的条款"),
    j.findings.length ? el("table", {}, el("tr", {}, ["标准", "条号", "条款原文", "依据事实"].map((h) => el("th", {}, h))),
      j.findings.map((f) => el("tr", {}, el("td", {}, f.citation.document_number), el("td", {}, f.citation.clause),
        el("td", {}, f.citation.text), el("td", {}, factsLine(f.facts))))) : el("p", {}, "无。"),
    el("h2", {}, "尚待回答的问题"),
    j.missing_facts.decisive.length ? el("ol", {}, j.missing_facts.decisive.map((d) => el("li", {},
      `${d.facts.map((f) => f.label).join(" 与 ")}：${d.answers.map((a) => `答“${a.answer}”→${a.effect}`).join("；")}`)))
      : el("p", {}, "没有能改变结论的问题。"),
    el("h2", {}, "现场回答"),
    el("table", { class: "facts" }, Object.entries(facts).filter(([fact]) => fact !== placeFact).map(([fact, value]) =>
      row(labelOf(fact), answerShown(fact, value)))),
    el("div", { class: "signatures" },
      el("p", {}, "检查人员（签字）：", el("span", { class: "line" }), "　日期：", el("span", { class: "line short" })),
      el("p", {}, "被检查单位负责人（签字）：", el("span", { class: "line" }), "　日期：", el("span", { class: "line short" }))));
}

async function judge() {
  const mine = ++judging;
  document.body.dataset.judged = "false";
  try {
    const answer = await api.judge(answers(), $("#as-of").value);
    if (mine !== judging) return;
    judgement = answer;
    renderVerdict();
    renderReport();
    for (const field of document.querySelectorAll(".invalid")) field.classList.remove("invalid");
  } catch (error) {
    if (mine !== judging) return;
    showError($("#verdict"), error);
    for (const e of error.problem?.errors || []) {
      const fact = (e.pointer || "").split("/").pop();
      document.querySelector(`.question[data-fact="${fact}"]`)?.classList.add("invalid");
    }
  }
  updateQuestions();
  document.body.dataset.judged = "true";
}

async function loadQuestionnaire() {
  const kind = $("#place-kind").value, asOf = $("#as-of").value;
  $("#template").href = api.templateUrl(kind, asOf);
  try {
    questionnaire = await api.questionnaire(kind, asOf);
  } catch (error) {
    showError($("#questions"), error);
    return;
  }
  judgement = null;
  renderQuestions();
  updateQuestions();
  await judge();
}

async function judgeSheet() {
  const file = $("#sheet-file").files[0];
  const target = $("#sheet-result");
  if (!file) {
    fill(target, el("p", { class: "error" }, "请先选择填好的检查表（xlsx）。"));
    return;
  }
  fill(target, el("p", {}, "判定中……"));
  try {
    const judged = new Blob([await api.judgeSheet(file)], { type: XLSX });
    fill(target, el("p", {}, "判定完成：",
      el("a", { id: "judged-sheet", href: URL.createObjectURL(judged), download: "判定结果.xlsx" }, "下载判定结果（xlsx）")));
  } catch (error) {
    showError(target, error);
  }
}

const kinds = choices(props[placeFact]);
fill($("#place-kind"), kinds.map(([code, label]) => el("option", { value: code }, label)));
const params = new URLSearchParams(location.search);
if (params.get("place_kind")) $("#place-kind").value = params.get("place_kind");
$("#as-of").value = params.get("as_of") || todayInChina();
let pending = null;
$("#questions").addEventListener("input", () => { clearTimeout(pending); pending = setTimeout(judge, 150); });
$("#place-kind").addEventListener("change", loadQuestionnaire);
$("#as-of").addEventListener("change", loadQuestionnaire);
for (const id of ["#facility", "#inspector"]) $(id).addEventListener("input", () => judgement && renderReport());
$("#print").addEventListener("click", () => window.print());
$("#judge-sheet").addEventListener("click", judgeSheet);
await loadQuestionnaire();
document.body.dataset.ready = "true";
