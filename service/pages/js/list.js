// 清单: the list in force on a date, filtered by area, standard and words.
import { api, loadWords } from "./api.js";
import { $, el, fill, nav, showError, todayInChina } from "./dom.js";

$("#nav").append(nav("清单"));
const words = await loadWords();
let listed = null; // the list document of the chosen date

function haystack(c) {
  return [c.document_number, c.title, c.clause, `${c.document_number} ${c.clause}`, c.text, c.condition, c.id,
    ...c.facts, ...c.hazards, ...c.applies_to].join("\n").toLowerCase();
}

function clauseCard(c) {
  return el("article", { class: "clause", "data-criterion": c.id },
    el("h4", {}, `${c.document_number} ${c.clause}`,
      el("span", { class: "badge" }, words.method[c.method]),
      el("span", { class: `badge status-${c.text_status}` }, words.text_status[c.text_status])),
    el("blockquote", {}, c.text),
    el("p", { class: "condition" }, el("b", {}, "判定条件："), c.condition),
    el("p", { class: "meta" },
      c.applies_to.length ? `适用场所：${c.applies_to.join("、")}；` : "适用场所：不限；",
      `隐患类型：${c.hazards.join("、")}；实施：${c.effective}；废止：${c.superseded}`),
    el("p", { class: "meta source" }, `出处：${words.plain(c.source)}`),
    c.note ? el("p", { class: "meta" }, `说明：${words.plain(c.note)}`) : null);
}

function render() {
  const area = $("#area").value, standard = $("#standard").value;
  const terms = $("#search").value.toLowerCase().split(/\s+/).filter(Boolean);
  const out = [];
  let shown = 0;
  listed.areas.forEach((a, n) => {
    if (area && a.id !== area) return;
    const blocks = [];
    for (const s of a.standards) {
      if (standard && s.standard !== standard) continue;
      const cards = s.criteria.filter((c) => terms.every((t) => haystack(c).includes(t))).map(clauseCard);
      shown += cards.length;
      if (cards.length || (!terms.length && s.state !== "encoded")) {
        blocks.push(el("section", { class: "standard" },
          el("h3", {}, `${s.document_number}《${s.title}》`, el("span", { class: `badge state-${s.state}` }, words.standard_state[s.state])),
          s.note ? el("p", { class: "meta" }, `说明：${words.plain(s.note)}`) : null, cards));
      }
    }
    if (blocks.length) {
      out.push(el("section", { class: "area", id: `area-${a.id}` },
        el("h2", {}, `${n + 1}. ${a.name}`), el("p", { class: "meta" }, `依据：${words.plain(a.basis)}`), blocks,
        a.not_encoded && !terms.length ? el("p", { class: "gap-note" }, `本领域尚未编码：${words.plain(a.not_encoded)}`) : null));
    }
  });
  fill($("#clauses"), out.length ? out : el("p", { class: "empty" }, "没有符合条件的条款。"));
  fill($("#summary"), el("b", {}, listed.title), `　判定日期 ${listed.as_of}　显示 ${shown} 条条款　规则摘要 `,
    el("code", { title: listed.rules_digest }, listed.rules_digest.slice(0, 12)));
}

function renderGaps() {
  const items = [];
  for (const cov of listed.coverage) {
    for (const gap of cov.gaps) items.push(el("li", {}, `${cov.document_number} ${words.plain(gap)}`));
  }
  for (const a of listed.areas) {
    for (const s of a.standards) {
      if (s.state !== "encoded") items.push(el("li", {}, `${a.name}：${s.document_number}（${words.standard_state[s.state]}）`));
    }
  }
  if (listed.areas_not_encoded.length) {
    items.push(el("li", {}, `尚无已编码条款的领域：${listed.areas_not_encoded.join("、")}（原文未能获取，不代表没有隐患）`));
  }
  $("#gaps summary").textContent = `未编码的部分（${items.length} 项）：这些部分不作判定，不代表没有隐患。点此展开`;
  fill($("#gap-list"), el("ul", {}, items));
  $("#gaps").hidden = !items.length;
}

async function load() {
  try {
    listed = await api.list($("#as-of").value);
  } catch (error) {
    showError($("#clauses"), error);
    return;
  }
  const keep = [$("#area").value, $("#standard").value];
  fill($("#area"), el("option", { value: "" }, "全部领域"), listed.areas.map((a) => el("option", { value: a.id }, a.name)));
  const standards = new Map(listed.areas.flatMap((a) => a.standards).map((s) => [s.standard, s.document_number]));
  fill($("#standard"), el("option", { value: "" }, "全部标准"),
    [...standards].map(([id, number]) => el("option", { value: id }, number)));
  [$("#area").value, $("#standard").value] = keep;
  renderGaps();
  render();
}

const params = new URLSearchParams(location.search);
$("#as-of").value = params.get("as_of") || todayInChina();
$("#search").value = params.get("q") || "";
$("#as-of").addEventListener("change", load);
for (const id of ["#area", "#standard"]) $(id).addEventListener("change", render);
$("#search").addEventListener("input", render);
await load();
document.body.dataset.ready = "true";
