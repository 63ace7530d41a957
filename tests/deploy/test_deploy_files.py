"""deploy/: the container, compose file, entrypoint, settings template and systemd unit.

Docker is not available where these tests run, so the files are checked for what
an operator relies on (PostgreSQL with a volume and a health check, kansli waiting
for it, a non-root user, the same `kansli serve`, every setting explained), and
the entrypoint is run for real with a local kansli.
"""
from __future__ import annotations

import configparser
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import yaml

from bot.config import Settings
from bot.serve import SHUTDOWN_TIMEOUT
from tests.bot.opstools import Served, free_port, http_get
from tests.conftest import EXAMPLE, ROOT

DEPLOY = ROOT / "deploy"
EXTRA_SETTINGS = {"POSTGRES_PASSWORD", "KANSLI_PUBLISH", "KANSLI_DB_WAIT_SECONDS"}


def seconds(value: str | int) -> float:
    m = re.fullmatch(r"(\d+)\s*(s|m)?", str(value).strip())
    assert m, value
    return int(m.group(1)) * (60 if m.group(2) == "m" else 1)


# ------------------------------------------------------------------------------------ compose


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_kansli_on_postgresql_16_with_a_volume_and_a_health_check() -> None:
    c = compose()
    db, app = c["services"]["db"], c["services"]["kansli"]
    assert db["image"] == "postgres:16"
    [data] = [v for v in db["volumes"] if v.endswith(":/var/lib/postgresql/data")]
    assert data.split(":")[0] in c["volumes"], "the database lives in a named volume"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?"), "no default password"


def test_compose_starts_kansli_only_when_the_database_is_healthy() -> None:
    app = compose()["services"]["kansli"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    url = app["environment"]["KANSLI_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://kansli:${POSTGRES_PASSWORD}@db:5432/kansli")
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    assert seconds(app["stop_grace_period"]) > SHUTDOWN_TIMEOUT, "SIGKILL must not cut requests in flight"
    assert app["init"] is True, "an init process forwards SIGTERM"
    assert app["env_file"] == ".env"


def test_compose_builds_the_image_from_this_repository() -> None:
    build = compose()["services"]["kansli"]["build"]
    context = (DEPLOY / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).is_file()


# ------------------------------------------------------------------------------------ Dockerfile


def dockerfile() -> list[str]:
    """Instructions, with continuation lines joined and comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_image_is_slim_python_311_and_installs_kansli_with_pip() -> None:
    lines = dockerfile()
    froms = [line for line in lines if line.startswith("FROM ")]
    assert froms and all(line.split()[1] == "python:3.11-slim" for line in froms)
    assert any("pip install ." in line for line in lines if line.startswith("RUN "))


def test_the_image_runs_as_a_non_root_user_with_the_same_kansli_serve() -> None:
    lines = dockerfile()
    final = lines[max(i for i, line in enumerate(lines) if line.startswith("FROM ")):]
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users, "the final stage sets a user"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    last_user = max(i for i, line in enumerate(final) if line.startswith("USER "))
    assert not any(line.startswith("RUN ") for line in final[last_user:]), "nothing runs as root after USER"
    assert 'ENTRYPOINT ["kansli-entrypoint"]' in final
    assert 'CMD ["serve"]' in final
    assert "EXPOSE 3978" in final
    assert any(line.startswith("HEALTHCHECK") and "/healthz" in line for line in final)
    entry = (DEPLOY / "entrypoint.sh").read_text(encoding="utf-8")
    assert "kansli migrate --wait" in entry
    assert re.search(r'exec kansli serve --host "\$\{KANSLI_HOST:-0\.0\.0\.0\}"', entry)


def test_everything_the_image_copies_exists_and_is_not_ignored() -> None:
    ignored = [line.strip() for line in (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for line in dockerfile():
        if line.startswith("COPY ") and "--from=" not in line:
            *sources, _dest = line.split()[1:]
            for src in sources:
                assert (ROOT / src).exists(), src
                assert src not in ignored and src.split("/")[0] not in ignored, src


# ------------------------------------------------------------------------------------ entrypoint


def kansli_on_path(tmp_path: Path) -> dict[str, str]:
    """A `kansli` command for this checkout, as the image's PATH provides one."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "kansli"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bot.cli "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}


def test_the_entrypoint_migrates_then_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "kansli.db"
    extra = kansli_on_path(tmp_path) | {"KANSLI_HOST": "127.0.0.1", "KANSLI_DB_WAIT_SECONDS": "5"}
    served = Served(f"sqlite:///{db}", cwd=tmp_path, argv=["sh", str(DEPLOY / "entrypoint.sh")], **extra)
    try:
        served.wait_healthy()
        status, body, _ = http_get(served.base + "/readyz")
        assert status == 200, body
    finally:
        code = served.stop()
    out = served.output()
    assert code == 0, out
    assert "Databasen är uppdaterad från tom till" in out
    assert "Traceback" not in out


def test_the_entrypoint_runs_other_subcommands(tmp_path: Path) -> None:
    env = dict(os.environ, **kansli_on_path(tmp_path), PYTHONPATH=str(ROOT),
               KANSLI_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}")
    out = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh"), "import", str(EXAMPLE)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Läste in" in out.stdout


def test_the_entrypoint_gives_up_on_an_unreachable_database_with_one_swedish_line(tmp_path: Path) -> None:
    env = dict(os.environ, **kansli_on_path(tmp_path), PYTHONPATH=str(ROOT), KANSLI_DB_WAIT_SECONDS="1",
               KANSLI_DATABASE_URL=f"postgresql://kansli@127.0.0.1:{free_port()}/kansli")
    out = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh")], env=env, cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 1
    assert "Kansli når inte databasen efter 1 sekunder" in out.stderr
    assert "Traceback" not in out.stderr


# ------------------------------------------------------------------------------------ .env.example


def env_example() -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(set values, commented-out values, lines) of deploy/.env.example."""
    lines = (DEPLOY / ".env.example").read_text(encoding="utf-8").splitlines()
    values: dict[str, str] = {}
    commented: dict[str, str] = {}
    for line in lines:
        m = re.fullmatch(r"(#?)([A-Za-z_][A-Za-z0-9_]*)=(\S*)", line)
        if m:
            (commented if m.group(1) else values)[m.group(2)] = m.group(3)
        else:
            assert not line.strip() or line.startswith("#"), f"not NAME=value: {line!r}"
    return values, commented, lines


def test_env_example_explains_every_setting() -> None:
    values, commented, lines = env_example()
    aliases = {f.alias for f in Settings.model_fields.values()}
    missing = aliases - set(values) - set(commented)
    assert not missing, f"settings not in deploy/.env.example: {sorted(missing)}"
    for name in aliases | EXTRA_SETTINGS:
        first = next(i for i, line in enumerate(lines) if re.match(rf"#?{name}=", line))
        above = lines[first - 1]
        assert above.startswith("# ") or re.match(r"#?[A-Za-z_]+=", above), f"{name} has no explanation above it"
    compose_text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    for name in re.findall(r"\$\{([A-Z_]+)", compose_text):
        assert name in values, f"compose.yaml uses {name}, which .env.example does not set"


def test_env_example_as_written_passes_the_start_up_checks() -> None:
    values, commented, _ = env_example()
    settings = {k: v for k, v in values.items() if k not in EXTRA_SETTINGS}
    s = Settings(_env_file=None, **settings)
    assert s.absence_note_retention_days == 30 and s.log_format == "text"
    for example in (v for k, v in commented.items() if k == "KANSLI_DATABASE_URL"):
        Settings(_env_file=None, KANSLI_DATABASE_URL=example)


# ------------------------------------------------------------------------------------ systemd


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "kansli.service", encoding="utf-8")
    return parser


def test_the_systemd_unit_runs_kansli_serve_as_an_unprivileged_user() -> None:
    u = unit()
    service = u["Service"]
    assert service["User"] == "kansli" and service["Group"] == "kansli"
    assert service["EnvironmentFile"] == "/etc/kansli/kansli.env"
    assert service["ExecStartPre"].endswith("/kansli migrate --wait 60")
    assert service["ExecStart"] == "/opt/kansli/venv/bin/kansli serve"
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM"
    assert seconds(service["TimeoutStopSec"]) > SHUTDOWN_TIMEOUT
    assert service["WorkingDirectory"] == "/var/lib/kansli" and service["StateDirectory"] == "kansli"
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    assert u["Install"]["WantedBy"] == "multi-user.target"
    assert "network-online.target" in u["Unit"]["After"]


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """systemd-analyze verify, where the machine has it; paths point at stand-ins that exist here."""
    verify = shutil.which("systemd-analyze")
    text = (DEPLOY / "kansli.service").read_text(encoding="utf-8")
    env = tmp_path / "kansli.env"
    shutil.copy(DEPLOY / ".env.example", env)
    text = text.replace("/opt/kansli/venv/bin/kansli", shutil.which("true") or "/bin/true")
    text = text.replace("/etc/kansli/kansli.env", str(env))
    (tmp_path / "kansli.service").write_text(text, encoding="utf-8")
    if verify is None:
        # Without systemd the structure test above is what checks the unit.
        assert "[Service]" in text
        return
    out = subprocess.run([verify, "verify", str(tmp_path / "kansli.service")], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    assert "kansli.service" not in out.stderr, out.stderr  # no "unknown key" or similar warnings
