"""The pages' side of the service without a browser: where they are, that every file they name is
served from this machine, and the interactive docs' files local too (GET /v1/diff: tests/test_diff.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.present.words import METHOD_WORDS, STATUS_WORDS
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

