"""Settings refuse to start in production mode without a SECRET_KEY."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_check(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_DEBUG")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_refuses_to_start():
    result = run_check({"DJANGO_SETTINGS_MODULE": "carrefour.settings.production"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_with_secret_key_starts():
    result = run_check(
        {"DJANGO_SETTINGS_MODULE": "carrefour.settings.production", "SECRET_KEY": "x" * 50}
    )
    assert result.returncode == 0, result.stderr


def test_debug_mode_runs_without_secret_key():
    result = run_check({"DJANGO_SETTINGS_MODULE": "carrefour.settings.base", "DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr


def test_site_package_does_not_shadow_the_standard_library():
    code = "import site, carrefour.settings; print(site.__file__)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "site")},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "lib/python" in result.stdout  # the standard library's site module


DEPLOY_UNSET = ("DJANGO_DEBUG", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")


def test_production_settings_pass_the_deployment_checks_without_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            # The browser fixture sets DJANGO_ALLOW_ASYNC_UNSAFE for the session (async.E001).
            **{k: v for k, v in os.environ.items() if k not in DEPLOY_UNSET},
            "DJANGO_SETTINGS_MODULE": "carrefour.settings.production",
            "SECRET_KEY": "k9#Qv2!mX7pL0zR4tW8yB1nC6dF3gH5jK8sA2eU7iO9qZ4xV1bN6mP3rT0wY5",
            "ALLOWED_HOSTS": "carrefour.example.org",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout


def test_every_environment_variable_of_the_settings_is_in_the_readme_table():
    """Each setting read from the environment is declared once, in README's table."""
    import re

    settings_dir = Path(__file__).resolve().parents[1] / "site" / "carrefour" / "settings"
    readme = (settings_dir.parents[2] / "README.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in readme.splitlines() if line.startswith("| `"))
    read = re.compile(
        r"""(?:environ\.get|environ\[|env_bool|env_list|getenv)\(?\s*["']([A-Z][A-Z0-9_]+)"""
    )
    names = {
        name
        for path in settings_dir.glob("*.py")
        for name in read.findall(path.read_text(encoding="utf-8"))
    }
    # Not settings: Django's own variable, and the test process's identity (its pytest-xdist
    # worker, and the run id its subprocesses inherit), which name its databases and media.
    names -= {"DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER", "CARREFOUR_TEST_RUN"}
    assert len(names) > 30
    missing = sorted(n for n in names if f"`{n}`" not in table)
    assert missing == [], missing
