"""``kefu serve`` refuses the built-in secret outside demo mode; secrets can come from files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from kefu.cli import app as cli
from kefu.settings import DEMO_SECRET, Settings


@pytest.mark.parametrize("secret", [None, DEMO_SECRET])
def test_serve_refuses_to_start_without_a_real_secret_key(tmp_path, secret):
    env = {
        "KEFU_SECRET_KEY": secret,
        "KEFU_SECRET_KEY_FILE": None,
        "KEFU_DEMO_MODE": None,
        "KEFU_DATA_DIR": str(tmp_path),
    }
    result = CliRunner().invoke(cli, ["serve", "--port", "8765"], env=env)
    assert result.exit_code == 1
    assert "KEFU_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.output


def test_secret_key_is_read_from_the_file_named_by_secret_key_file(tmp_path, monkeypatch):
    secret_file = tmp_path / "secret"
    secret_file.write_text("s3cr3t-from-a-mounted-file-0123456789\n", encoding="utf-8")
    monkeypatch.delenv("KEFU_SECRET_KEY", raising=False)
    monkeypatch.setenv("KEFU_SECRET_KEY_FILE", str(secret_file))
    settings = Settings()
    assert settings.secret_key == "s3cr3t-from-a-mounted-file-0123456789"
    settings.check_secure()  # a real secret: the server may start


def test_an_unreadable_secret_file_is_a_clear_error_not_a_traceback(tmp_path):
    env = {"KEFU_SECRET_KEY": None, "KEFU_SECRET_KEY_FILE": str(tmp_path / "missing")}
    result = CliRunner().invoke(cli, ["serve"], env=env)
    assert result.exit_code == 2
    assert "KEFU_SECRET_KEY_FILE" in result.stderr
    assert "Traceback" not in result.output


def test_every_command_reports_a_bad_setting_in_one_line(tmp_path):
    """Commands that read settings themselves are covered by the entry point."""
    env = {**os.environ, "KEFU_PORT": "八千", "KEFU_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "kefu", "export", "products", "--shop", "demo"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: invalid settings: KEFU_PORT:")
    assert "Traceback" not in done.stderr


def test_serve_with_several_workers_needs_redis(tmp_path):
    env = {
        "KEFU_SECRET_KEY": "s3cr3t-for-the-workers-test-0123456789",
        "KEFU_SECRET_KEY_FILE": None,
        "KEFU_REDIS_URL": None,
        "KEFU_DATA_DIR": str(tmp_path),
    }
    result = CliRunner().invoke(cli, ["serve", "--workers", "2", "--port", "8765"], env=env)
    assert result.exit_code == 1
    assert "--workers 2 needs KEFU_REDIS_URL" in result.stderr
    assert "Traceback" not in result.output
