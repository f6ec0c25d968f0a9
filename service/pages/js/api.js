// Every call the pages make to the service, in one place: the pages only read and send JSON (and
// the spreadsheet of the upload); the service does all the judging.

export const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export class ApiError extends Error {
  constructor(status, message, problem) {
    super(message);
    this.status = status;
    this.problem = problem; // the RFC 9457 problem, when the service sent one
  }
}

async function send(path, options = {}) {
  const response = await fetch(path, options);
  if (response.ok) return response;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) {
    const problem = await response.json();
    const lines = [problem.title, problem.detail].filter(Boolean);
    throw new ApiError(response.status, lines.join("\n"), problem);
  }
  throw new ApiError(response.status, `服务返回 ${response.status} / the service answered ${response.status}`);
}

async function json(path, options) {
  return (await send(path, options)).json();
}

const query = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();

export const api = {
  words: () => json("/pages/words.json"),
  facts: () => json("/v1/facts"),
  standards: (asOf) => json(`/v1/standards?${query({ as_of: asOf })}`),
  list: (asOf) => json(`/v1/list?${query({ as_of: asOf, format: "json" })}`),
  questionnaire: (placeKind, asOf) => json(`/v1/questionnaire?${query({ place_kind: placeKind, as_of: asOf, format: "json" })}`),
  judge: (facts, asOf) => json("/v1/judgements", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ facts, as_of: asOf }),
  }),
  // old, new: each a date YYYY-MM-DD or STANDARD@VERSION (as `hazard diff` takes them)
  diff: (old, new_) => json(`/v1/diff?${query({ from: old, to: new_ })}`),
  // the admin token goes in the header only: never in the address, never stored
  impact: (token, asOf) => json(`/v1/admin/impact?${query({ as_of: asOf, format: "json" })}`, {
    method: "POST", headers: { Authorization: `Bearer ${token}` },
  }),
  templateUrl: (placeKind, asOf) => `/v1/sheets/template?${query({ place_kind: placeKind, as_of: asOf })}`,
  judgeSheet: async (file) => (await send("/v1/sheets/judgements", {
    method: "POST", headers: { "Content-Type": XLSX }, body: file,
  })).blob(),
};

// The engine's Chinese words for the API's codes, and its provenance marks said in Chinese.
export async function loadWords() {
  const words = await api.words();
  const marks = Object.keys(words.provenance_marks).sort((a, b) => b.length - a.length);
  words.plain = (text) => marks.reduce((t, mark) => t.split(mark).join(words.provenance_marks[mark]), text || "");
  return words;
}
