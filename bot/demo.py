"""The demo behind `make run`: the seeds' network with its history, and meetings still to come.

`kansli run` imports `data/example-network.yaml` into an empty store and then calls `seed_demo`, which

1. plays `data/example-demo.txt` – the 2020 meetings of seeds 002 and 003 as the coordinator and the
   secretary would have typed them (cases raised, put on the agenda, agendas published, decisions,
   extensions, minutes sent) – through the real dispatcher, each command at its own recorded instant;
2. plans the coming meetings of the demo forums relative to the service's clock with `/möte ny`, and puts
   the open case (2020:7) on the next agenda, so `/möten`, reminders and `/anmäl frånvaro` work today.

It runs only into a store that was empty, so it never touches a real network, and `kansli import` stays
what it was (idempotent, records are not part of the file format).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEMO_SCRIPT = Path(__file__).with_name("data") / "example-demo.txt"
COORDINATOR = "maria.lind"
# The demo forum meets on Fridays, about every eight weeks; its steering group two weeks before.
COMING_MEETINGS = 3
WEEKS_BETWEEN = 8


ASSIGNMENT_REF = re.compile(r"\{uppdrag:([^}]+)\}")


def assignment_id(services, title: str) -> str:  # type: ignore[no-untyped-def]
    """The id of the assignment whose title begins with `title` (ids come from the store's sequence)."""
    from sqlalchemy import select

    from storage.models import Assignment

    with services.sessionmaker() as session:
        found = session.scalar(select(Assignment.id).where(Assignment.title.startswith(title)))
    if found is None:
        raise DemoError(f"no assignment titled '{title}…'")
    return str(found)


class DemoError(RuntimeError):
    """A line of the demo script was refused (the script and the commands have drifted apart)."""


@dataclass(frozen=True)
class Step:
    when: datetime
    handle: str
    text: str
    line: int


def read_script(path: Path = DEMO_SCRIPT) -> list[Step]:
    steps = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        when, handle, text = (part.strip() for part in raw.split("|", 2))
        steps.append(Step(datetime.fromisoformat(when).replace(tzinfo=STOCKHOLM), handle,
                          text.replace("\\n", "\n"), number))
    return steps


def coming_fridays(today: date, count: int = COMING_MEETINGS) -> list[date]:
    """The demo's coming meeting days: the first Friday at least three weeks ahead, then every eight weeks
    (three weeks leave room for the beredning and agenda deadlines to lie ahead too)."""
    from handlers.calendar import is_working_day

    day = today + timedelta(days=21)
    day += timedelta(days=(4 - day.weekday()) % 7)
    days: list[date] = []
    while len(days) < count:
        while not is_working_day(day):  # no meeting on Långfredagen or juldagen
            day += timedelta(weeks=1)
        days.append(day)
        day += timedelta(weeks=WEEKS_BETWEEN)
    return days


def future_commands(today: date) -> list[tuple[str, str]]:
    """(handle, command) planning the coming meetings, as the coordinator types them."""
    from handlers.calendar import previous_working_day

    days = coming_fridays(today)
    listing = lambda ds: ", ".join(d.isoformat() for d in ds[:-1]) + f" och {ds[-1].isoformat()}"  # noqa: E731
    steering = [previous_working_day(d - timedelta(weeks=2) + timedelta(days=1)) for d in days]
    return [
        (COORDINATOR, f"/möte ny {listing(days)} kl 9.30–12.00; plats: Myntgatan 2, Falun, lokal Siljan; forum: lchnv"),
        (COORDINATOR, f"/möte ny {listing(steering)} kl 13.00–15.00; plats: Teams; forum: styrgrupp-lchnv"),
        (COORDINATOR, f"/beredning 2020:7 dagordning {days[0].isoformat()}; förslagsställare: Styrgruppen"),
        (COORDINATOR, "/uppdrag ny @johan.sjo Ta fram förslag till gemensam vägledning för familjecentraler; "
                      f"senast {previous_working_day(days[0] - timedelta(days=7)).isoformat()}; ärende 2020:7"),
    ]


def seed_demo(services, *, now: Callable[[], datetime] | None = None) -> int:  # type: ignore[no-untyped-def]
    """Play the demo into the store of `services` (just imported, otherwise empty). Returns the commands run."""
    from bot.dispatch import Identity

    clock = now or services.clock

    def run(handle: str, text: str, when: datetime, where: str) -> None:
        text = ASSIGNMENT_REF.sub(lambda m: assignment_id(services, m.group(1).strip()), text)
        outcome = services.dispatcher.run(text, identity=Identity(handle=handle), platform="cli", now=when)
        if not outcome.reply.ok:
            from bot.render.text import render_text

            raise DemoError(f"{where}: '{text[:80]}' was refused: {render_text(outcome.reply)}")

    steps = read_script()
    for step in steps:
        run(step.handle, step.text, step.when, f"{DEMO_SCRIPT.name}:{step.line}")
    today_at = clock()
    coming = future_commands(today_at.astimezone(STOCKHOLM).date())
    for handle, text in coming:
        run(handle, text, today_at, "coming meetings")
    return len(steps) + len(coming)
