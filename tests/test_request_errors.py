"""Request-level errors (ASGI, in process): Chinese first, then English, in the problem+json of fact
errors, with a JSON pointer to the field (a query parameter by name); X-Rules-Digest and
X-Request-ID on every response, one access-log line per request without facts."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import engine
from service import create_app
from service.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parent.parent
PROBLEM = "application/problem+json"
JSON = {"content-type": "application/json"}
NDJSON = {"content-type": "application/x-ndjson"}
DIGEST = engine.load(ROOT / "rules").digest
CJK = re.compile(r"[\u4e00-\u9fff]")
PYDANTIC_ENGLISH = ("Input should", "Field required", "Extra inputs", "JSON decode error", "value_error", "Value error")


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(rules_dir=ROOT / "rules", admin_token="t")), raise_server_exceptions=False) as c:
        yield c


def assert_problem(r, status: int) -> dict:
    """A problem+json of that status, every text Chinese first then English, no pydantic English."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    for text in [body["title"], body["detail"]] + [e["detail"] for e in body["errors"]]:
        zh, sep, en = text.partition(" / ")
        assert sep and CJK.search(zh) and en, text
        assert not any(words in text for words in PYDANTIC_ENGLISH), text
    return body


def errors(body: dict) -> dict[str, str]:
    return {e.get("pointer", e.get("parameter")): e["detail"] for e in body["errors"]}


@pytest.mark.parametrize("as_of, bad", [("2026-13-01", "月份 “13”"), ("2026-02-30", "日 “30”"), ("2026-00-10", "月份 “00”"),
                                        ("2026/01/15", "应写作 2026-01-15"), ("2026-1-5", "应写作 2026-01-05"),
                                        ("tomorrow", "YYYY-MM-DD"), ("", "YYYY-MM-DD"), ("0000-01-01", "年份")])
def test_a_bad_date_says_the_expected_form_and_the_bad_part(client, as_of, bad):
    body = assert_problem(client.post("/v1/judgements", json={"facts": {}, "as_of": as_of}), 422)
    assert list(errors(body)) == ["/as_of"] and bad in errors(body)["/as_of"]
    body = assert_problem(client.get("/v1/standards", params={"as_of": as_of}), 422)
    assert list(errors(body)) == ["as_of"] and bad in errors(body)["as_of"]  # a query parameter, by name


def test_a_date_that_is_not_text_asks_for_quotes(client):
    body = assert_problem(client.post("/v1/judgements", json={"facts": {}, "as_of": 20260115}), 422)
    assert "带引号" in errors(body)["/as_of"]


@pytest.mark.parametrize("path", ["/v1/judgements", "/v1/judgements/batch", "/v1/judgements/stream"])
@pytest.mark.parametrize("content", [b"", b"   \n  "])
def test_an_empty_body_is_a_422_saying_so(client, path, content):
    body = assert_problem(client.post(path, content=content, headers=NDJSON if "stream" in path else JSON), 422)
    assert "请求体为空" in body["detail"] and body["errors"] == []


@pytest.mark.parametrize("content, line, column, words", [
    (b'{"facts": {}', 1, 13, "缺少逗号"),
    (b'{\n  "facts": {},\n  "as_of": "2026-01-15",\n}', 4, 1, "双引号括起的键名"),
    (b"{'facts': {}}", 1, 2, "双引号括起的键名"),
    (b'{"facts": {"exit_count": 1,,}}', 1, 28, "双引号括起的键名"),
    (b'{"facts": {}} {"facts": {}}', 1, 15, "多余的内容"),
    (b'{"facts": {"x": "a\nb"}}', 1, 19, "控制字符"),
    (b'{"facts": tru}', 1, 11, "应为一个值"),
])
def test_text_that_is_not_json_is_a_422_with_its_line_and_column(client, content, line, column, words):
    body = assert_problem(client.post("/v1/judgements", content=content, headers=JSON), 422)
    assert (body["line"], body["column"]) == (line, column)
    assert f"第 {line} 行第 {column} 列" in body["detail"] and words in body["detail"]
    assert body["errors"] == []  # no pointer into a document that could not be read


def test_a_body_that_is_not_utf8_is_a_422(client):
    body = assert_problem(client.post("/v1/judgements", content='{"facts": {"x": "宿舍"}}'.encode("gbk"), headers=JSON), 422)
    assert "UTF-8" in body["detail"] and body["line"] == 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          "multipart/form-data; boundary=x", None])
@pytest.mark.parametrize("path", ["/v1/judgements", "/v1/judgements/batch"])
def test_a_wrong_content_type_is_415_not_422(client, path, content_type):
    headers = {"content-type": content_type} if content_type else {}
    body = assert_problem(client.post(path, content=b'{"facts": {}, "items": []}', headers=headers), 415)
    assert "application/json" in body["detail"]


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/problem+json"])
def test_json_media_types_are_accepted(client, content_type):
    r = client.post("/v1/judgements", content=b'{"facts": {}, "as_of": "2026-01-15"}', headers={"content-type": content_type})
    assert r.status_code == 200


def test_the_stream_wants_ndjson(client):
    body = assert_problem(client.post("/v1/judgements/stream", content=b'{"id": "a", "facts": {}}', headers=JSON), 415)
    assert "application/x-ndjson" in body["detail"]
    for accepted in ("application/x-ndjson", "application/jsonl", "application/x-ndjson; charset=utf-8"):
        r = client.post("/v1/judgements/stream", content=b'{"id": "a", "facts": {}}', headers={"content-type": accepted})
        assert r.status_code == 200 and json.loads(r.text)["judgement"]


@pytest.mark.parametrize("content, pointers", [
    (b'{"facts": {"place_kind": "canteen", "place_kind": "library"}}', ["/facts/place_kind"]),
    (b'{"facts": {}, "facts": {"place_kind": "canteen"}}', ["/facts"]),
    (b'{"facts": {"a/b": 1, "a/b": 2, "c~": 1, "c~": 3}}', ["/facts/a~1b", "/facts/c~0"]),
])
def test_a_key_repeated_in_an_object_is_a_422_naming_the_key_and_where(client, content, pointers):
    """json keeps the last of repeated keys in silence: {"place_kind": "canteen", "place_kind": "library"}
    was judged as a library."""
    body = assert_problem(client.post("/v1/judgements", content=content, headers=JSON), 422)
    assert sorted(errors(body)) == sorted(pointers)
    assert all("不止一次" in detail for detail in errors(body).values())


def test_a_repeated_key_inside_a_batch_item_points_into_that_item(client):
    content = b'{"items": [{"id": "a", "facts": {}}, {"id": "b", "facts": {"x": 1, "x": 1}}]}'
    body = assert_problem(client.post("/v1/judgements/batch", content=content, headers=JSON), 422)
    assert list(errors(body)) == ["/items/1/facts/x"]


def test_repeated_batch_ids_are_a_422_naming_both_items(client):
    items = [{"id": "a", "facts": {}}, {"id": "b", "facts": {}}, {"id": "a", "facts": {}}, {"id": "b", "facts": {}}]
    body = assert_problem(client.post("/v1/judgements/batch", json={"items": items}), 422)
    assert sorted(errors(body)) == ["/items/2/id", "/items/3/id"]
    assert "/items/0/id" in errors(body)["/items/2/id"] and "/items/1/id" in errors(body)["/items/3/id"]


@pytest.mark.parametrize("payload, pointer, words", [
    ({"fact": {}}, "/fact", "不认识的字段 “fact”"),
    ({"fact": {}}, "/facts", "缺少必填字段 “facts”"),
    ({"facts": []}, "/facts", "收到的是数组"),
    ([], "", "应为 JSON 对象"),
    ({"items": {}}, "/items", "应为 JSON 数组"),
    ({"items": [{"facts": {}}]}, "/items/0/id", "缺少必填字段 “id”"),
    ({"items": [{"id": "", "facts": {}}]}, "/items/0/id", "不能为空"),
    ({"items": [{"id": 7, "facts": {}}]}, "/items/0/id", "应为文字"),
])
def test_fields_are_named_in_words_by_pointer(client, payload, pointer, words):
    path = "/v1/judgements/batch" if isinstance(payload, dict) and "items" in payload else "/v1/judgements"
    body = assert_problem(client.post(path, json=payload), 422)
    assert words in errors(body)[pointer], errors(body)


def test_query_parameters_are_named_by_parameter(client):
    body = assert_problem(client.get("/v1/list", params={"format": "pdf"}), 422)
    assert list(errors(body)) == ["format"] and "json" in errors(body)["format"]


def test_unknown_paths_and_methods_say_what_was_asked(client):
    assert "/v1/nothing" in assert_problem(client.get("/v1/nothing"), 404)["detail"]
    assert "GET" in assert_problem(client.get("/v1/judgements"), 405)["detail"]


def stream(client, text: str) -> list[dict]:
    r = client.post("/v1/judgements/stream", content=text.encode(), headers=NDJSON)
    assert r.status_code == 200
    return [json.loads(line) for line in r.text.splitlines()]


def test_stream_lines_are_numbered_as_an_editor_numbers_them(client):
    """Blank lines count (they judge nothing): line 5 is line 5, its pointer /4 (0-based, like every
    JSON pointer index); CRLF line ends too."""
    good = json.dumps({"id": "a", "facts": {}, "as_of": "2026-01-15"})
    out = stream(client, "\r\n".join([good, "", "   ", json.dumps({"id": "b", "facts": {"nope": 1}}), "{oops",
                                      json.dumps({"id": "c", "facts": {}, "as_of": "2026-13-01"})]))
    assert [o["id"] for o in out] == ["a", "b", "#5", "c"]
    assert list(errors(out[1]["error"])) == ["/3/facts/nope"]
    assert out[2]["error"]["detail"].startswith("第 5 行第 2 列：") and "line 5, column 2" in out[2]["error"]["detail"]
    assert list(errors(out[3]["error"])) == ["/5/as_of"] and "月份 “13”" in errors(out[3]["error"])["/5/as_of"]
    for o in out[1:]:
        assert not any(words in json.dumps(o, ensure_ascii=False) for words in PYDANTIC_ENGLISH)


def test_a_stream_line_repeating_an_id_is_refused_naming_the_first_line(client):
    line = json.dumps({"id": "same", "facts": {}, "as_of": "2026-01-15"})
    out = stream(client, "\n".join([line, "", line]))
    assert out[0]["judgement"] and out[1]["error"]["status"] == 422
    assert list(errors(out[1]["error"])) == ["/2/id"]
    assert "第 3 行" in errors(out[1]["error"])["/2/id"] and "第 1 行" in errors(out[1]["error"])["/2/id"]


def test_a_stream_line_with_a_repeated_key_points_into_that_line(client):
    out = stream(client, '{"id": "a", "facts": {}}\n{"id": "b", "facts": {"x": 1, "x": 2}}')
    assert out[1]["id"] == "#2" and list(errors(out[1]["error"])) == ["/1/facts/x"]
    assert out[1]["error"]["detail"].startswith("第 2 行：")


def test_every_response_names_the_rules_and_the_request(client):
    responses = [client.get("/healthz"), client.get("/v1/standards"), client.get("/v1/nothing"),
                 client.get("/v1/judgements"), client.post("/v1/judgements", content=b"x", headers={"content-type": "text/plain"}),
                 client.post("/v1/judgements", json={"facts": {"nope": 1}}),
                 client.post("/v1/judgements", content=b"{" * 10 + b" " * 9_000_000, headers=JSON),
                 client.post("/v1/admin/reload"), client.post("/v1/admin/reload", headers={"Authorization": "Bearer x"})]
    assert [r.status_code for r in responses] == [200, 200, 404, 405, 415, 422, 413, 401, 401]
    for r in responses:
        assert r.headers["x-rules-digest"] == DIGEST, r.status_code
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"]), r.status_code
    assert len({r.headers["x-request-id"] for r in responses}) == len(responses)


@pytest.mark.parametrize("sent, kept", [("req-42.abc:1", True), ("a" * 128, True), ("a" * 129, False),
                                        ("two words", False), ("üñï", False), ("", False)])
def test_a_usable_request_id_is_kept_and_returned(client, sent, kept):
    r = client.get("/healthz", headers={"X-Request-ID": sent.encode("utf-8")})
    assert (r.headers["x-request-id"] == sent) == kept
    assert re.fullmatch(r"[A-Za-z0-9._:/+=@-]{1,128}", r.headers["x-request-id"])


def test_the_access_log_has_one_line_per_request_and_no_facts(client, caplog):
    facts = {"place_kind": "student_dormitory", "floor_position": "basement"}
    with caplog.at_level(logging.INFO, logger="hazard.access"):
        caplog.handler.setLevel(logging.INFO)
        logging.getLogger("hazard.access").addHandler(caplog.handler)
        try:
            client.post("/v1/judgements", json={"facts": facts, "as_of": "2026-01-15"}, headers={"X-Request-ID": "r1"})
            client.post("/v1/judgements", json={"facts": {"nope": "secret-value"}}, headers={"X-Request-ID": "r2"})
        finally:
            logging.getLogger("hazard.access").removeHandler(caplog.handler)
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "hazard.access"]
    assert [(x["request_id"], x["method"], x["path"], x["status"]) for x in lines] == [
        ("r1", "POST", "/v1/judgements", 200), ("r2", "POST", "/v1/judgements", 422)]
    assert all(x["rules_digest"] == DIGEST and x["ms"] >= 0 and x["time"] for x in lines)
    logged = json.dumps(lines)
    assert not any(word in logged for word in ("student_dormitory", "basement", "secret-value", "nope", "facts"))


def test_an_unexpected_exception_is_a_500_problem_with_the_headers(client, monkeypatch):
    """Fault injection: what no handler expects still answers problem+json, never a traceback."""
    def broken(*args, **kwargs):
        raise RuntimeError("injected")

    monkeypatch.setattr(engine.Engine, "judge", broken)
    r = client.post("/v1/judgements", json={"facts": {}}, headers={"X-Request-ID": "boom"})
    body = assert_problem(r, 500)
    assert "injected" not in r.text and "Traceback" not in r.text
    assert r.headers["x-rules-digest"] == DIGEST and r.headers["x-request-id"] == "boom" and body["status"] == 500


@pytest.mark.parametrize("value, expected", [(None, True), ("", True), ("on", True), ("1", True), ("off", False),
                                             ("0", False), ("FALSE", False)])
def test_the_access_log_setting(value, expected):
    env = {} if value is None else {"HAZARD_ACCESS_LOG": value}
    assert Settings.from_env(env).access_log is expected


def test_a_wrong_access_log_setting_is_refused():
    with pytest.raises(SettingsError, match="HAZARD_ACCESS_LOG"):
        Settings.from_env({"HAZARD_ACCESS_LOG": "verbose"})
