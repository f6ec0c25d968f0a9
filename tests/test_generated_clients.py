"""Clients generated from the OpenAPI document a real server serves work: a Python client
(openapi-python-client) judges the README's examples with the answers the API gives directly, and
a TypeScript one (openapi-typescript, from the npm registry through package.json) type-checks the
README's request and refuses a wrong answer of a choice question."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from live_server import ROOT, copy_rules, running_server
from sheet_fill import fill, table

PACKAGE = "hazard_api_client"
NODE_BIN = ROOT / "node_modules" / ".bin"
OPERATION_IDS = {"judge", "judge_batch", "judge_stream", "list_standards", "get_standard", "get_criterion", "get_list",
                 "get_questionnaire", "get_facts", "healthz", "readyz", "reload_rules", "get_sheet_template",
                 "judge_sheet", "list_decisions", "get_decision", "replay_decision", "get_diff", "assess_impact"}


def readme_requests() -> list[dict]:
    """The judgement requests the README shows: examples/api/*.json, and any other a curl sends."""
    examples = sorted((ROOT / "examples" / "api").glob("*.json"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = {ROOT / m for m in re.findall(r"-d @(examples/api/[\w.-]+\.json)", readme)}
    assert named and named <= set(examples), "the README's curl names a file under examples/api/"
    inline = [json.loads(m) for m in re.findall(r"-d '(\{.*?\})'", readme, flags=re.S)]
    return [json.loads(p.read_text(encoding="utf-8")) for p in examples] + inline


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(copy_rules(tmp_path_factory.mktemp("rules") / "rules")) as (base, _):
        yield base


@pytest.fixture(scope="module")
def document(server, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("openapi") / "openapi.json"
    path.write_bytes(httpx.get(f"{server}/openapi.json").content)
    return path


@pytest.fixture(scope="module")
def client_module(document, tmp_path_factory):
    """The Python client openapi-python-client generates from the served document, imported."""
    out = tmp_path_factory.mktemp("python-client")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}  # it runs ruff
    run = subprocess.run([str(Path(sys.executable).with_name("openapi-python-client")), "generate", "--path",
                          str(document), "--meta", "none", "--output-path", str(out / PACKAGE)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    skipped = re.findall(r"WARNING parsing (\S+ \S+).*?Endpoint will not be generated", run.stdout, flags=re.S)
    assert not skipped, f"endpoints the generator skipped: {skipped}"
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_operation_ids_are_snake_case_names_and_enums_plain(document):
    spec = json.loads(document.read_text(encoding="utf-8"))
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values()]
    assert set(ids) == OPERATION_IDS and len(ids) == len(set(ids))
    text = json.dumps(spec)
    assert '"const"' not in text, "enums are plain enum arrays, not oneOf of const"
    floor = spec["components"]["schemas"]["Facts"]["properties"]["floor_position"]
    assert floor["anyOf"][0]["enum"] == list(floor["x-enum-labels"]) and floor["anyOf"][1] == {"type": "null"}
    stream = spec["paths"]["/v1/judgements/stream"]["post"]["requestBody"]["content"]
    assert "application/octet-stream" in stream  # what a generated client can send


def test_generated_python_client_judges_the_readme_examples_as_the_api_does(server, client_module):
    from hazard_api_client.api.judgements import judge, judge_batch, judge_stream
    from hazard_api_client.models import BatchItem, BatchItemFacts, BatchRequest, FacilityFacts, JudgementRequest
    from hazard_api_client.types import File

    requests = readme_requests()
    client = client_module.Client(base_url=server, timeout=60)
    for request in requests:
        body = JudgementRequest(facts=FacilityFacts.from_dict(request["facts"]), as_of=_date(request.get("as_of")))
        answer = judge.sync(client=client, body=body)
        direct = httpx.post(f"{server}/v1/judgements", json=request, timeout=60).json()
        assert answer is not None and answer.to_dict() == direct
        assert answer.classification.value == direct["classification"]

    items = [BatchItem(id=f"example-{i}", facts=BatchItemFacts.from_dict(r["facts"]), as_of=_date(r.get("as_of")))
             for i, r in enumerate(requests)]
    batch = judge_batch.sync(client=client, body=BatchRequest(items=items))
    direct = httpx.post(f"{server}/v1/judgements/batch",
                        json={"items": [{"id": f"example-{i}", **r} for i, r in enumerate(requests)]}, timeout=60).json()
    assert batch.to_dict() == direct

    lines = "\n".join(json.dumps({"id": f"example-{i}", **r}) for i, r in enumerate(requests)).encode()
    streamed = judge_stream.sync_detailed(client=client, body=File(payload=lines))
    assert streamed.status_code == 200
    assert [json.loads(line) for line in streamed.content.splitlines()] == direct["results"]


def test_generated_python_client_fetches_a_sheet_and_uploads_it_filled(server, client_module):
    from hazard_api_client.api.sheets import get_sheet_template, judge_sheet
    from hazard_api_client.models import GetSheetTemplatePlaceKind
    from hazard_api_client.types import File

    client = client_module.Client(base_url=server, timeout=120)
    template = get_sheet_template.sync_detailed(client=client, place_kind=GetSheetTemplatePlaceKind("食堂"))
    assert template.status_code == 200
    filled = fill(template.content, [("食堂", {"场所有锅炉（前提）": "否"})])
    judged = judge_sheet.sync_detailed(client=client, body=File(payload=filled))
    assert judged.status_code == 200 and table(judged.content)[1][0]["判定结论"]


def test_generated_python_client_parses_every_choice_answer(document, client_module):
    """Each code of every choice fact is parsed as itself (a oneOf of consts parsed only the first)."""
    from hazard_api_client.models import FacilityFacts

    facts = json.loads(document.read_text(encoding="utf-8"))["components"]["schemas"]["Facts"]["properties"]
    choices = {name: prop["x-enum-labels"] for name, prop in facts.items() if "x-enum-labels" in prop}
    assert len(choices) >= 5
    for name, labels in choices.items():
        for code in labels:
            parsed = getattr(FacilityFacts.from_dict({name: code}), name)
            assert parsed.value == code and FacilityFacts.from_dict({name: code}).to_dict() == {name: code}


def _date(text: str | None):
    import datetime as dt

    return dt.date.fromisoformat(text) if text else None


def test_generated_typescript_types_accept_the_readme_request_and_refuse_a_wrong_choice(document, tmp_path):
    assert shutil.which("node"), "make's setup installs node and npm (Debian packages)"
    assert (NODE_BIN / "openapi-typescript").exists(), "make's setup runs npm ci (package.json, package-lock.json)"
    run = subprocess.run([str(NODE_BIN / "openapi-typescript"), str(document), "-o", str(tmp_path / "api.d.ts")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    request = json.dumps(readme_requests()[0], ensure_ascii=False)
    wrong = request.replace('"basement"', '"cellar"')
    assert wrong != request

    def type_check(body: str) -> subprocess.CompletedProcess:
        (tmp_path / "use.ts").write_text(
            'import type { components, operations } from "./api";\n'
            f'const body: components["schemas"]["JudgementRequest"] = {body};\n'
            'type Answer = operations["judge"]["responses"][200]["content"]["application/json"];\n'
            'const label = (a: Answer): string => a.label;\n'
            'export { body, label };\n', encoding="utf-8")
        return subprocess.run([str(NODE_BIN / "tsc"), "--noEmit", "--strict", "--target", "es2020", "--moduleResolution",
                               "node", str(tmp_path / "use.ts")], capture_output=True, text=True, timeout=300)

    accepted = type_check(request)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    refused = type_check(wrong)
    assert refused.returncode != 0 and "cellar" in refused.stdout
