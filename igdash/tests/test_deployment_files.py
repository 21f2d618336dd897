"""The deployment kit is checked by parsing: there is no Docker engine here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from igdash.testing.services import services_required

ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_runs_every_role_with_postgres_and_redis(compose) -> None:  # type: ignore[no-untyped-def]
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
    assert services["web"]["command"][:3] == ["igdash", "serve", "--no-worker"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "igdash", "worker"]
    assert "--pool=threads" in services["worker"]["command"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "igdash", "beat"]
    for role in ("web", "worker", "beat"):
        env = services[role]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")
        assert "igdash-data:/data" in services[role]["volumes"]
        assert services[role]["env_file"] == ".env"


def test_compose_has_healthchecks_and_volumes(compose) -> None:  # type: ignore[no-untyped-def]
    for name, service in compose["services"].items():
        assert service["healthcheck"]["test"], f"{name} has no healthcheck"
    assert set(compose["volumes"]) == {"igdash-data", "postgres-data", "redis-data"}
    assert compose["services"]["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_file_validates_with_the_compose_client(tmp_path: Path) -> None:
    client = shutil.which("docker-compose")
    if client is None:
        if services_required():
            pytest.fail("docker-compose is missing: scripts/test.sh installs it")
        pytest.skip("docker-compose (the client) is not installed")
    env_file = ROOT / ".env"
    created = not env_file.exists()
    if created:
        env_file.write_text("")
    try:
        result = subprocess.run(
            [client, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        if created:
            env_file.unlink()
    assert result.returncode == 0, result.stderr


def test_dockerfile_installs_the_project_and_runs_serve() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11" in text
    assert "pip install --no-cache-dir ." in text
    assert 'CMD ["igdash", "serve", "--no-worker"]' in text
    for folder in ("core", "igdash", "accounts_app", "scraping", "exports", "templates", "static"):
        assert f"COPY {folder} ./{folder}" in text


def test_github_workflow_lints_tests_with_services_and_builds() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    jobs = workflow["jobs"]
    assert set(jobs) == {"lint", "tests", "build"}
    assert set(jobs["tests"]["services"]) == {"postgres", "redis"}
    assert jobs["tests"]["env"]["IGDASH_REQUIRE_SERVICES"] == "1"
    build_steps = " ".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert "scripts/build_css.sh --check" in build_steps
    assert "docker build" in build_steps
