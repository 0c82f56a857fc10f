"""The GitHub Actions workflow for self-hosted TDX/SNP runners (.github/workflows/): parsed with a YAML parser
and held to the workflow-syntax rules that can be checked here (GitHub docs, "Workflow syntax for GitHub
Actions"), and to this project: every make target and ccktf command it calls exists and parses."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from ccktf import cli

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    if True in data:  # YAML 1.1 reads the bare key 'on' as a boolean
        data["on"] = data.pop(True)
    return data


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9-]*):", text, re.M))


def test_there_is_a_workflow():
    assert WORKFLOWS, "no .github/workflows/*.yml"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_syntax(path):
    data = load(path)
    assert {"name", "on", "jobs"} <= set(data), sorted(data)
    assert set(data["on"]) <= {"push", "pull_request", "workflow_dispatch", "schedule"}
    for job_id, job in data["jobs"].items():
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", job_id)
        assert "runs-on" in job and job["steps"], job_id
        assert 0 < job.get("timeout-minutes", 360) <= 360
        matrix = job.get("strategy", {}).get("matrix", {})
        if "self-hosted" in job["runs-on"]:  # never a fork's pull request on our hardware
            assert "github.event.pull_request.head.repo.full_name == github.repository" in job.get("if", "")
        if any("|" in step.get("run", "") for step in job["steps"]):  # a pipe must not hide a failure
            assert job.get("defaults", {}).get("run", {}).get("shell") == "bash", f"{job_id}: needs pipefail"
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{job_id}: a step has exactly one of uses/run: {step}"
            assert "always()" not in str(step.get("if", "")), "always() outlives a cancelled run: use !cancelled()"
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), step["uses"]
        for expression in EXPRESSION.findall(path.read_text()):
            for name in re.findall(r"matrix\.(\w+)", expression):
                assert name in matrix, f"{job_id}: matrix.{name} is not a matrix key"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_calls_what_exists(path):
    targets = make_targets()
    for job in load(path)["jobs"].values():
        matrix = job.get("strategy", {}).get("matrix", {})
        for step in job["steps"]:
            script = EXPRESSION.sub(lambda m: str(matrix.get(m.group(1).split(".")[-1], ["x"])[0]),
                                    step.get("run", "")).replace("\\\n", " ")
            for line in script.splitlines():
                words = shlex.split(line, comments=True)
                if words[:1] == ["make"]:
                    called = [w for w in words[1:] if "=" not in w and not w.startswith("-")]
                    assert set(called) <= targets | {"build/ccktf.efi"}, f"unknown make target in: {line}"
                if "-m" in words and "ccktf" in words:
                    args = words[words.index("ccktf") + 1:]
                    args = args[:args.index("|")] if "|" in args else args
                    cli.build_parser().parse_args(args)  # exits (SystemExit) on an unknown option
