"""``check-config --format sarif``: SARIF 2.1.0 that validates against the OASIS schema, with rule metadata
from the rule docs and results on the configuration file and line that cause them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from analyzer.rules import default_rule_dirs, load_rules
from tests.conftest import DATA, run

ROOT = DATA.parent.parent
#: Vendored from the OASIS standard, see tests/data/sarif/README.md.
SCHEMA = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
COMPOSE = "tests/data/config/incident/docker-compose.yml"
FILE_PROVIDER = "sample_logs/traefik-priority-conflict/config"


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch):
    # CI runs wsdiag at the repository root: locations are relative to it
    monkeypatch.chdir(ROOT)


def sarif(*args: str) -> dict:
    result = run("check-config", *args, "--format", "sarif", "-q")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("target", [COMPOSE, FILE_PROVIDER, "tests/data/config/correct"])
def test_the_log_validates_against_the_sarif_2_1_0_schema(target):
    log = sarif(target)
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    assert log["version"] == "2.1.0"


def test_a_router_conflict_lands_on_the_compose_label_that_causes_it():
    log = sarif(COMPOSE)
    (result,) = log["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("router-priority-conflict", "error")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": COMPOSE, "uriBaseId": "%SRCROOT%"}
    line = location["region"]["startLine"]
    assert (ROOT / COMPOSE).read_text().splitlines()[line - 1].strip() == (
        '- "traefik.http.routers.chat-ws.rule=Host(`api.example.test`) && PathPrefix(`/socket.io`)"'
    )
    related = {
        r["physicalLocation"]["region"]["startLine"]: r["message"]["text"] for r in result["relatedLocations"]
    }
    assert related[24] == '- "traefik.http.routers.api.priority=10"'
    assert "Fix: Give the WebSocket router the higher priority" in result["message"]["text"]


def test_rule_metadata_comes_from_the_rule_documentation():
    log = sarif(COMPOSE)
    (descriptor,) = log["runs"][0]["tool"]["driver"]["rules"]
    rule = {r.id: r for r in load_rules(default_rule_dirs())}["router-priority-conflict"]
    assert descriptor["id"] == rule.id
    assert descriptor["shortDescription"]["text"] == rule.title
    assert descriptor["fullDescription"]["text"] == " ".join(rule.doc["detects"].split())
    assert rule.doc["why"].split()[0] in descriptor["help"]["markdown"]
    assert descriptor["defaultConfiguration"]["level"] == "error"


def test_a_file_provider_conflict_points_at_its_yaml_line():
    log = sarif(FILE_PROVIDER)
    results = {r["ruleId"]: r for r in log["runs"][0]["results"]}
    located = results["handshake-wrong-router"]["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["uri"] == f"{FILE_PROVIDER}/dynamic.yml"
    assert located["region"]["startLine"] == 10


def test_a_correct_configuration_has_no_result():
    log = sarif("tests/data/config/correct")
    assert log["runs"][0]["results"] == []


def test_files_outside_the_working_folder_get_an_absolute_uri(tmp_path):
    target = tmp_path / "docker-compose.yml"
    target.write_text((ROOT / COMPOSE).read_text())
    log = sarif(str(target))
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == target.resolve().as_uri()


def test_the_same_configuration_gives_the_same_fingerprint(tmp_path):
    first = sarif(COMPOSE)["runs"][0]["results"][0]["partialFingerprints"]
    second = sarif(COMPOSE)["runs"][0]["results"][0]["partialFingerprints"]
    assert first == second and len(first["wsdiagFinding/v1"]) == 64


def test_the_ci_workflow_in_the_docs_uses_this_command():
    doc = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "wsdiag check-config" in doc and "--format sarif" in doc
    assert "github/codeql-action/upload-sarif@" in doc and "security-events: write" in doc


def test_sarif_schema_is_vendored_with_its_source():
    readme = (Path(DATA) / "sarif" / "README.md").read_text(encoding="utf-8")
    assert (
        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json" in readme
    )
