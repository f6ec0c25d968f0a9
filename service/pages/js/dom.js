// Small helpers to build the pages' elements; text is always set as text, never as HTML.

// Children as given: nested lists flattened, null, undefined and false left out, text as text.
function nodes(children) {
  return children.flat(Infinity).filter((c) => c !== undefined && c !== null && c !== false)
    .map((c) => (c instanceof Node ? c : String(c)));
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...nodes(children));
  return node;
}

export function fill(target, ...children) {
  target.replaceChildren(...nodes(children));
}

export const $ = (selector) => document.querySelector(selector);

// Today in China, where the inspections are: the service's default date too.
export function todayInChina() {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai" }).format(new Date());
}

export function showError(target, error) {
  fill(target, el("div", { class: "error", role: "alert" }, error.message,
    (error.problem?.errors || []).map((e) => el("div", {}, `${e.pointer ?? e.parameter ?? ""}：${e.detail}`))));
}

export function nav(current) {
  const pages = [["index.html", "首页"], ["list.html", "清单"], ["check.html", "检查"], ["diff.html", "对比与影响"], ["/docs", "接口文档"]];
  return el("nav", { class: "no-print" }, pages.map(([href, name]) =>
    el("a", { href, class: name === current ? "current" : null }, name)));
}
