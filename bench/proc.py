"""Child processes of the bench: start, wait until ready, read their memory, stop them.

Every child is started by the bench itself and stopped by its own process id (SIGTERM,
then SIGKILL after a grace period); nothing is looked up or stopped by name.
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra)
    return env


def _status_kb(pid: int, field_name: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    port: int = 0
    log: Path | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def pids(self) -> list[int]:
        """The process and its children (`kansli serve` on PostgreSQL runs one worker per core under a
        supervisor)."""
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            children = []
        return pids + [int(c) for c in children]

    def rss_mb(self) -> float:
        """Resident memory (VmRSS) of the largest of its processes, from /proc: what one serving process holds."""
        sizes = [_status_kb(pid, "VmRSS:") for pid in self.pids()]
        found = [s for s in sizes if s is not None]
        if not found:
            raise RuntimeError(f"no VmRSS for {self.name}")
        return max(found) / 1024

    def pss_total_mb(self) -> float:
        """Proportional memory (Pss) of all its processes together: the memory the service takes, pages the
        workers share after the fork counted once."""
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def stop(self, grace: float = 10.0) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def tail(self, lines: int = 30) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start_ready(name: str, module: str, *args: str, env: dict[str, str] | None = None,
                timeout: float = 30.0, log_dir: Path | None = None) -> Child:
    """Start `python -m module args…` and wait for its line `READY <port>` on stdout."""
    log = (log_dir / f"{name}.log") if log_dir else None
    stderr = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([sys.executable, "-m", module, *args], stdout=subprocess.PIPE, stderr=stderr,
                            env=env or child_env(), cwd=ROOT)
    child = Child(name=name, proc=proc, log=log)
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode} before it was ready:\n{child.tail()}")
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            buf += chunk
            for line in buf.decode(errors="replace").splitlines():
                if line.startswith("READY "):
                    child.port = int(line.split()[1])
                    return child
    child.stop()
    raise RuntimeError(f"{name} was not ready within {timeout:.0f} s:\n{child.tail()}")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_http(name: str, argv: list[str], *, port: int, env: dict[str, str], health: str = "/healthz",
               timeout: float = 60.0, log_dir: Path | None = None) -> tuple[Child, float]:
    """Start a server and poll `health` until it answers 200; returns the child and the seconds it took."""
    log = (log_dir / f"{name}.log") if log_dir else None
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    child = Child(name=name, proc=proc, port=port, log=log, started=t0)
    url = f"http://127.0.0.1:{port}{health}"
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode} during start-up:\n{child.tail()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:  # noqa: S310 - loopback only
                if resp.status == 200:
                    return child, time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.01)
    child.stop()
    raise RuntimeError(f"{name} did not answer {health} within {timeout:.0f} s:\n{child.tail()}")


# ---------------------------------------------------------------------------------------- profiling


def py_spy() -> str | None:
    import shutil

    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


def start_profile(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling `pid` into collapsed stacks at `out`, until stopped: all threads, but only samples
    holding the GIL, so that the profile shows Python work and not threads waiting on the store."""
    exe = py_spy()
    if exe is None:
        return None
    return subprocess.Popen([exe, "record", "--pid", str(pid), "--rate", "250", "--format", "raw",
                             "--threads", "--gil", "--subprocesses", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_profile(spy: subprocess.Popen[bytes] | None) -> None:
    if spy is None or spy.poll() is not None:
        return
    spy.send_signal(signal.SIGINT)
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        spy.kill()
        spy.wait(timeout=5)


def summarise_profile(raw: Path, *, top: int = 25) -> str:
    """From py-spy's collapsed stacks: the functions that were on the stack most (inclusive), and
    the frames that were running (self), as shares of all samples."""
    from collections import Counter

    if not raw.exists():
        return "no profile was written\n"
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [f.strip() for f in stack.split(";") if f.strip()]
        frames = [f for f in frames if not f.startswith("thread ") and not f.startswith("process ")]
        for f in set(frames):
            inclusive[f] += n
        if frames:
            own[frames[-1]] += n
    if not total:
        return "no samples\n"
    root = str(ROOT) + "/"
    lines = [f"{total} samples\n", "On the stack (inclusive), kansli's own code:"]
    mine = [(f, n) for f, n in inclusive.most_common() if root in f or "(bot/" in f or "(handlers/" in f
            or "(storage/" in f]
    lines += [f"  {100 * n / total:5.1f} %  {f.replace(root, '')}" for f, n in mine[:top]]
    lines.append("\nOn the stack (inclusive), everything:")
    lines += [f"  {100 * n / total:5.1f} %  {f.replace(root, '')}" for f, n in inclusive.most_common(top)]
    lines.append("\nRunning (self):")
    lines += [f"  {100 * n / total:5.1f} %  {f.replace(root, '')}" for f, n in own.most_common(top)]
    return "\n".join(lines) + "\n"
