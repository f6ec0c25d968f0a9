"""The pages' side of the service without a browser: where they are, that every file they name is
served from this machine, the interactive docs' files local too, and GET /v1/diff with its errors."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine import listing, load
from engine.render import METHOD_WORDS, STATUS_WORDS
from service.app import create_app

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "service" / "pages"
LOCAL_REFERENCE = re.compile(r"""(?:src|href)="([^"#:]+)"|from "(\./[^"]+)"|import\s+"(\./[^"]+)\"""")


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app())


def test_home_leads_to_the_pages(client):
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code in (302, 307) and answer.headers["location"] == "/pages/"
    page = client.get("/pages/")
    assert page.status_code == 200 and "教育系统重大事故隐患判定" in page.text


def test_every_file_a_page_names_is_served_and_none_is_off_the_machine(client):
    files = sorted(p for p in PAGES.rglob("*") if p.is_file())
    assert {"index.html", "list.html", "check.html", "diff.html"} <= {p.name for p in files}
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://|//cdn|@import", text), f"{path.name} names something off the machine"
        for groups in LOCAL_REFERENCE.findall(text):
            reference = next(g for g in groups if g)
            if reference.startswith("/"):  # the docs, a service route
                url = reference
            else:
                url = "/pages/" + str((path.parent / reference).resolve().relative_to(PAGES))
            assert client.get(url).status_code == 200, f"{path.name} names {reference}, not served"


def test_the_docs_use_only_files_this_service_serves(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and client.get("/redoc").status_code == 404
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", docs.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert all(client.get(u).status_code == 200 for u in urls)
    assert '"validatorUrl": null' in docs.text
    assert client.get("/openapi.json").json()["paths"]["/v1/diff"]


def test_words_are_the_engines(client):
    words = client.get("/pages/words.json").json()
    assert words["method"] == METHOD_WORDS and words["text_status"] == STATUS_WORDS
    assert words["provenance_marks"]["NOT FOUND"] == "未找到"


def test_facts_schema_names_the_place_fact(client):
    schema = client.get("/v1/facts").json()
    assert schema["x-place-fact"] in schema["properties"]


def test_diff_between_two_dates_and_two_versions_is_the_engines(client):
    bundle = load(ROOT / "rules")
    answer = client.get("/v1/diff", params={"old": "2024-01-01", "new": "2026-01-01"})
    assert answer.status_code == 200 and answer.json()["kind"] == "dates"
    expected = listing.diff_dates(bundle, next(iter(bundle.lists)), dt.date(2024, 1, 1), dt.date(2026, 1, 1))
    assert answer.json()["diff"] == expected.model_dump(mode="json")
    standard = next(s for s in {v.standard for v in bundle.versions}
                    if sum(v.meta.encoded for v in bundle.versions if v.standard == s) >= 2)
    old, new = [v.version for v in bundle.versions if v.standard == standard and v.meta.encoded][:2]
    versions = client.get("/v1/diff", params={"old": f"{standard}@{old}", "new": f"{standard}@{new}"}).json()
    assert versions["kind"] == "versions"
    assert versions["diff"] == listing.diff_versions(bundle, standard, old, new).model_dump(mode="json")


@pytest.mark.parametrize("old, new, parameter, words", [
    ("2024/1/1", "2026-01-01", "old", "应写作 2024-01-01"),
    ("2024-01-01", "2026-02-30", "new", "日 “30” 不存在"),
    ("nosuch@2017", "nosuch@2018", "old", "没有版本 nosuch@2017"),
    ("2024-01-01", "gb35181@2017", "new", "两边应同为日期"),
])
def test_diff_refuses_what_it_cannot_compare_naming_the_parameter(client, old, new, parameter, words):
    answer = client.get("/v1/diff", params={"old": old, "new": new})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["errors"][0]["parameter"] == parameter and words in problem["errors"][0]["detail"]
    assert re.match(r"[\u4e00-\u9fff]", problem["title"])  # Chinese first


def test_diff_of_an_unknown_list_is_refused(client):
    answer = client.get("/v1/diff", params={"old": "2024-01-01", "new": "2026-01-01", "list": "nosuch"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["parameter"] == "list"
