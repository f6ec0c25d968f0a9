"""The pages in a real browser (headless Chromium) against a real server: the list, the inspection
form for real facilities (examples/*.yaml) with its verdict, follow-up and decisive questions and
its printed report, the diff, the interactive docs, and the spreadsheet round trip through the
upload. Every page must request nothing off the machine and log no console error."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import httpx
import openpyxl
import pytest
import yaml
from playwright.sync_api import Page, expect, sync_playwright
from pypdf import PdfReader

from browser import ARTIFACTS, launch, watched_page
from live_server import ROOT, copy_rules, running_server
from rule_text import copy_with_threshold, threshold_criterion

from engine import load

AS_OF = "2026-11-29"  # the README's date: GB 45067-2024 and the education guide in force
EXAMPLES = ["kindergarten-fourth-floor", "canteen-lpg-cylinder-valve"]
IMPACT_DAY = dt.date(2026, 1, 15)  # a percent threshold in force, as tests/test_impact.py moves it
WAIT = 15_000  # ms: the shared 2-core machine can be slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(copy_rules(tmp_path_factory.mktemp("pages") / "rules")) as (base, _):
        yield base


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def watched(browser, server):
    watched, context = watched_page(browser, server)
    yield watched
    context.close()
    watched.check_clean()


def _api(server: str, path: str, **params) -> dict:
    return httpx.get(f"{server}{path}", params=params, timeout=30).raise_for_status().json()


def _judge(server: str, facts: dict) -> dict:
    return httpx.post(f"{server}/v1/judgements", json={"facts": facts, "as_of": AS_OF}, timeout=30).raise_for_status().json()


def _questions(questionnaire: dict) -> list[dict]:
    return [q for s in questionnaire["standards"] for g in s["groups"] for q in g["questions"]]


def _open_facts(judgement: dict) -> set[str]:
    missing = judgement["missing_facts"]
    return {f["name"] for d in missing["decisive"] for f in d["facts"]} | {m["name"] for m in missing["other"]}


def test_home_leads_to_the_pages_and_the_docs_work_offline(watched):
    page = watched.page
    page.goto(watched.base + "/")
    assert page.url == f"{watched.base}/pages/"
    expect(page.locator("h1")).to_have_text("教育系统重大事故隐患判定")
    watched.screenshot("home")
    page.get_by_role("link", name="接口文档").first.click()
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("教育系统重大事故隐患判定服务", timeout=WAIT)
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    watched.screenshot("docs")


def test_list_opens_with_clauses_and_finds_them_by_words_clause_and_fact(watched, server):
    listed = _api(server, "/v1/list", as_of=AS_OF)
    criteria = {c["id"]: c for a in listed["areas"] for s in a["standards"] for c in s["criteria"]}
    page = watched.page
    page.goto(f"{server}/pages/list.html?as_of={AS_OF}")
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT)
    expect(page.locator(".clause").first).to_be_in_viewport()  # the gaps do not push the clauses off the first screen
    assert not page.locator("#gaps").get_attribute("open")
    shown = page.locator(".clause").evaluate_all("cards => cards.map(c => c.dataset.criterion)")
    assert set(shown) == set(criteria)
    first = criteria[shown[0]]
    card = page.locator(".clause").first
    expect(card.locator("blockquote")).to_have_text(first["text"])  # verbatim
    expect(card.locator(".condition")).to_contain_text(first["condition"])
    text = page.locator("main").inner_text()
    assert "原文已核实" in text and not re.search(r"VERBATIM|NOT FOUND|UNVERIFIED|（assumed）", text)
    watched.screenshot("list")

    clause = next(c for c in criteria.values() if c["clause"].count(".") >= 2)["clause"]  # e.g. 5.2.1
    page.fill("#search", clause)
    found = page.locator(".clause h4").all_inner_texts()
    assert found and all(clause in heading for heading in found)
    fact = next(c for c in criteria.values() if len(c["facts"]) > 1)["facts"][-1]
    page.fill("#search", fact)
    expected = {cid for cid, c in criteria.items() if fact in c["facts"]}
    assert set(page.locator(".clause").evaluate_all("cards => cards.map(c => c.dataset.criterion)")) >= expected
    page.fill("#search", "")
    area = listed["areas"][-1]
    page.select_option("#area", area["id"])
    expect(page.locator(".area h2")).to_have_text(re.compile(re.escape(area["name"])))
    page.click("#gaps summary")
    expect(page.locator("#gap-list li").first).to_be_visible()
    watched.screenshot("list-gaps")


def _answer(page: Page, question: dict, value) -> None:  # noqa: ANN001
    block = page.locator(f'.question[data-fact="{question["fact"]}"]')
    with page.expect_response(lambda r: r.url.endswith("/v1/judgements")):
        if question["type"] == "boolean":
            block.locator(f'input[value="{"true" if value else "false"}"]').check()
        elif question["type"] == "enum":
            block.locator("select").select_option(value)
        else:
            block.locator("input").fill(str(value))
    page.wait_for_selector("body[data-judged=true]", timeout=WAIT)


@pytest.mark.parametrize("example", EXAMPLES)
def test_inspection_form_judges_a_real_facility_and_prints_its_report(watched, server, example):
    facts = yaml.safe_load((ROOT / "examples" / f"{example}.yaml").read_text(encoding="utf-8"))
    schema = _api(server, "/v1/facts")
    place_fact = schema["x-place-fact"]
    kind = facts[place_fact]
    questionnaire = _api(server, "/v1/questionnaire", place_kind=kind, as_of=AS_OF)
    page = watched.page
    page.goto(f"{server}/pages/check.html?place_kind={kind}&as_of={AS_OF}")
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT)
    page.fill("#facility", f"测试学校 {questionnaire['place_label']}")
    page.fill("#inspector", "张三")

    # Before any answer: what the page marks decisive is what the service says is decisive.
    first = _judge(server, {place_fact: kind})
    expect(page.locator("#verdict-label")).to_have_text(first["label"], timeout=WAIT)
    decisive = {f["name"] for d in first["missing_facts"]["decisive"] for f in d["facts"]}
    marked = set(page.locator(".question.decisive").evaluate_all("qs => qs.map(q => q.dataset.fact)"))
    assert marked == decisive & {q["fact"] for q in _questions(questionnaire)} and marked
    expect(page.locator("#open-questions > li")).to_have_count(len(first["missing_facts"]["decisive"]))

    # Answer as the facility's file does, in the questionnaire's order; a follow-up is answered
    # only once the page shows it, and it must show exactly when the judgement asks for it.
    given = {place_fact: kind}
    skipped = []
    for question in _questions(questionnaire):
        if question["fact"] not in facts:
            continue
        block = page.locator(f'.question[data-fact="{question["fact"]}"]')
        judged = _judge(server, given)
        opened = not question["only_if"] or question["fact"] in _open_facts(judged)
        assert block.is_visible() == opened, (question["fact"], question["only_if_text"])
        if not opened:
            skipped.append(question["fact"])
            continue
        _answer(page, question, facts[question["fact"]])
        given[question["fact"]] = facts[question["fact"]]
    assert len(given) > 10

    final = _judge(server, given)
    assert final["classification"] == "major"  # both examples are major hazards
    expect(page.locator("#verdict-label")).to_have_text(final["label"])
    findings = page.locator("#findings > li")
    expect(findings).to_have_count(len(final["findings"]))
    for finding, shown in zip(final["findings"], findings.all()):
        assert finding["citation"]["text"] in shown.inner_text()
        assert all(f["display"] in shown.inner_text() for f in finding["facts"])
    assert not set(skipped) & _open_facts(final)  # no question the verdict still needs stayed hidden
    watched.screenshot(f"check-{example}")

    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / f"report-{example}.pdf"
    page.pdf(path=str(pdf), format="A4")
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(pdf).pages))
    for expected in ("重大事故隐患现场检查判定报告", f"测试学校{questionnaire['place_label']}", "张三", AS_OF,
                     final["provenance"]["rules_digest"][:32], final["label"], "检查人员（签字）", "被检查单位负责人（签字）",
                     *(re.sub(r"\s+", "", f["citation"]["clause"]) for f in final["findings"])):
        assert re.sub(r"\s+", "", expected) in text, expected
    assert "打印检查判定报告" not in text and "表格批量检查" not in text  # the form itself does not print


def test_a_gate_question_reveals_its_follow_ups_and_hides_them_again(watched, server):
    schema = _api(server, "/v1/facts")
    place_fact = schema["x-place-fact"]
    kinds = _enum_codes(schema["properties"][place_fact])
    for kind in kinds:  # the first kind of place with a yes/no gate whose follow-up the judgement asks for
        questions = _questions(_api(server, "/v1/questionnaire", place_kind=kind, as_of=AS_OF))
        by_fact = {q["fact"]: q for q in questions}
        for follow_up in questions:
            gates = [g["facts"] for g in follow_up["only_if"] if len(g["facts"]) == 1]
            gate = by_fact.get(gates[0][0]) if gates else None
            if gate is None or gate["type"] != "boolean" or gate["only_if"]:
                continue
            opening = [v for v in (True, False)
                       if follow_up["fact"] in _open_facts(_judge(server, {place_fact: kind, gate["fact"]: v}))]
            if len(opening) == 1:
                break
        else:
            continue
        break
    else:
        pytest.fail("no kind of place has a yes/no gate question with a follow-up")
    page = watched.page
    page.goto(f"{server}/pages/check.html?place_kind={kind}&as_of={AS_OF}")
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT)
    block = page.locator(f'.question[data-fact="{follow_up["fact"]}"]')
    expect(block).to_be_hidden()
    _answer(page, gate, opening[0])
    expect(block).to_be_visible()
    expect(block.locator(".only-if")).to_have_text(follow_up["only_if_text"])
    watched.screenshot("check-follow-up")
    _answer(page, gate, not opening[0])
    expect(block).to_be_hidden()


def test_diff_between_two_dates_and_two_versions(watched, server):
    page = watched.page
    page.goto(f"{server}/pages/diff.html?old=2024-01-01&new={AS_OF}")
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT)
    diff = _api(server, "/v1/diff", **{"from": "2024-01-01", "to": AS_OF})
    expect(page.locator("#diff-title")).to_have_text(diff["title"])
    for switched in diff["switched"]:
        expect(page.locator("#result")).to_contain_text(switched)
    changes = [c for area in diff["areas"] for s in area["standards"] for c in s["changes"]]
    expect(page.locator(".change")).to_have_count(len(changes))  # every clause that enters or leaves, listed
    watched.screenshot("diff-dates")

    standards = _api(server, "/v1/standards")
    standard = next(s for s in standards if sum(v["encoded"] for v in s["versions"]) >= 2)
    old, new = [v["version"] for v in standard["versions"] if v["encoded"]][:2]
    page.check('input[name="mode"][value="versions"]')
    page.select_option("#standard", standard["id"])
    page.select_option("#old-version", old)
    page.select_option("#new-version", new)
    with page.expect_response(lambda r: "/v1/diff" in r.url):
        page.click("#run")
    versions = _api(server, "/v1/diff", **{"from": f"{standard['id']}@{old}", "to": f"{standard['id']}@{new}"})["diff"]
    expect(page.locator("#diff-title")).to_contain_text(f"{versions['old_document']} → {versions['new_document']}")
    expect(page.locator(".change")).to_have_count(len(versions["changes"]))
    watched.screenshot("diff-versions")


def _refusal_logged(watched, status: int) -> None:  # noqa: ANN001
    """The browser logs a refused request as a console error: that one (the impact's) is expected."""
    logged = [e for e in watched.console_errors if f"status of {status}" in e and "/v1/admin/impact" in e]
    assert logged, watched.console_errors
    watched.console_errors.remove(logged[0])


@pytest.fixture
def impact_server(tmp_path):
    """A server of its own whose rules directory holds an expert's edit not yet reloaded: a percent
    threshold moved to 95 % (the candidate); (base, the rules directory)."""
    rules = copy_rules(tmp_path / "rules")
    with running_server(rules, token="page-token") as (base, _):
        _, criterion = threshold_criterion(load(ROOT / "rules"), IMPACT_DAY)
        copy_with_threshold(ROOT / "rules", tmp_path / "edit", criterion.id, 95)
        shutil.rmtree(rules)
        shutil.copytree(tmp_path / "edit", rules)
        yield base, rules


def test_impact_of_an_edit_shows_the_endpoints_transitions_and_refusals_in_words(browser, impact_server):
    base, rules = impact_server
    watched, context = watched_page(browser, base)
    try:
        _assess_on_the_page(watched, base, rules)
    finally:
        context.close()
    watched.check_clean()


def _assess_on_the_page(watched, base: str, rules: Path) -> None:  # noqa: ANN001
    page = watched.page
    page.goto(f"{base}/pages/diff.html")
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT)
    page.fill("#admin-token", "page-token")
    page.fill("#impact-date", str(IMPACT_DAY))
    page.click("#impact-run")
    page.wait_for_selector("body[data-assessed='1']", timeout=120_000)
    report = httpx.post(f"{base}/v1/admin/impact", params={"as_of": str(IMPACT_DAY)},
                        headers={"Authorization": "Bearer page-token"}, timeout=120).raise_for_status().json()
    moved = [t for t in report["transitions"] if t["old"] != t["new"]]
    assert moved, "the edit moved no verdict"
    expect(page.locator("#impact-title")).to_have_text(report["title"])
    rows = page.locator(".transitions tr.moved")
    expect(rows).to_have_count(len(moved))
    labels = {s["key"]: s["label"] for s in report["changed"]}
    for row, t in zip(rows.all(), moved):
        assert [row.locator(c).inner_text() for c in (".old", ".new", ".count")] == [t["old"], t["new"], str(t["count"])]
        assert all(labels[key] in row.locator(".subjects").inner_text() for key in t["subjects"])
    expect(page.locator(".completeness tr.moved")).to_have_count(len(report["completeness"]))
    expect(page.locator(".clause-impact .clause")).to_have_text([c["clause"] for c in report["clauses"]])
    expect(page.locator(".school-impact .school")).to_have_text([s["school"] for s in report["schools"] if s["changed"]])
    expect(page.locator(".changed-subject")).to_have_count(len(report["changed"]))
    expect(page.locator(".warnings li")).to_have_count(len(report["candidate_warnings"]))  # the candidate's lint
    assert "page-token" not in page.url and page.evaluate("localStorage.length + sessionStorage.length") == 0
    page.locator(".transitions").scroll_into_view_if_needed()
    watched.screenshot("impact")

    page.fill("#admin-token", "wrong-token")
    page.click("#impact-run")
    page.wait_for_selector("body[data-assessed='2']", timeout=WAIT)
    expect(page.locator("#impact-result [role=alert]")).to_contain_text("管理令牌缺失或错误")
    expect(page.locator("#impact-result [role=alert]")).to_contain_text("missing or wrong bearer token")  # the service's
    _refusal_logged(watched, 401)

    target = next(p for p in rules.rglob("*.yaml") if "percent: 95" in p.read_text(encoding="utf-8"))
    lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if "percent: 95" in line)
    target.write_text("".join(lines).replace("percent: 95", "percent: ninety-five"), encoding="utf-8")
    page.fill("#admin-token", "page-token")
    page.click("#impact-run")
    page.wait_for_selector("body[data-assessed='3']", timeout=120_000)
    alert = page.locator("#impact-result [role=alert]")
    expect(alert).to_contain_text("候选规则有误")
    expect(alert.locator(".rule-problems li").first).to_contain_text(f"{target.name}:{number}")
    _refusal_logged(watched, 422)
    alert.scroll_into_view_if_needed()
    watched.screenshot("impact-refused")


def test_spreadsheet_round_trip_through_the_upload(watched, server, tmp_path):
    """Download the questionnaire sheet from the page, fill a row for a real facility, upload it,
    and read the verdict written beside it."""
    facts = yaml.safe_load((ROOT / "examples" / "kindergarten-fourth-floor.yaml").read_text(encoding="utf-8"))
    schema = _api(server, "/v1/facts")
    place_fact = schema["x-place-fact"]
    questionnaire = _api(server, "/v1/questionnaire", place_kind=facts[place_fact], as_of=AS_OF)
    page = watched.page
    page.goto(f"{server}/pages/check.html?place_kind={facts[place_fact]}&as_of={AS_OF}")
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT)
    template_url = server + page.get_attribute("#template", "href")
    assert httpx.get(template_url, timeout=60).status_code == 200, f"{template_url} is not served (issue 14, point 2)"
    with page.expect_download() as download:
        page.click("#template")
    template = tmp_path / "检查表.xlsx"
    download.value.save_as(template)

    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    labels = {q["label"]: q for q in _questions(questionnaire)}
    header_row = max(range(1, min(sheet.max_row, 10) + 1),
                     key=lambda r: sum(any(str(c.value or "").startswith(label) for label in labels) for c in sheet[r]))
    row = next(r for r in range(header_row + 1, sheet.max_row + 2) if all(c.value is None for c in sheet[r]))
    sheet.cell(row, 1, "测试幼儿园")  # the facility's name, in the first column
    given = {place_fact: facts[place_fact]}
    for cell in sheet[header_row]:
        question = next((q for label, q in labels.items() if str(cell.value or "").startswith(label)), None)
        if question and question["fact"] in facts:
            value = facts[question["fact"]]
            if question["type"] == "boolean":
                value = "是" if value else "否"
            elif question["type"] == "enum":
                value = dict(zip(_enum_codes(schema["properties"][question["fact"]]), question["answers"]))[value]
            sheet.cell(row, cell.column, value)
            given[question["fact"]] = facts[question["fact"]]
    assert len(given) > 10, "the template's headers should name the questionnaire's questions"
    filled_path = tmp_path / "填好的检查表.xlsx"
    book.save(filled_path)

    page.set_input_files("#sheet-file", str(filled_path))
    page.click("#judge-sheet")
    with page.expect_download() as download:
        page.locator("#judged-sheet").click(timeout=60_000)
    judged = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    expected = _judge(server, given)["label"]
    beside = [str(c.value) for c in judged.worksheets[0][row] if c.value is not None]  # the verdict beside the answers
    assert any(expected in text for text in beside), f"row {row} does not say {expected}: {beside}"
    watched.screenshot("check-upload")



def _enum_codes(prop: dict) -> list[str]:
    """An enum fact's codes in the facts schema."""
    return list(prop["x-enum-labels"])
