"""Done when: walking 2020 of the example network hour by hour yields each expected reminder once,
on the right day, to the right person, and nothing else.

The expected list is worked out by hand from the rules of procedure in the
example network and the Swedish working-day calendar (see the comments), not
from the code under test.
"""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta, timezone

from handlers.fmt import local
from tests.bot.reminder_support import Recorder, services

M, K = "maria.lind", "karin.berg"

EXPECTED = Counter({
    # Styrgruppen, meeting fri 21 Feb 13:00: agenda 2 working days before = wed 19 Feb, approaching 3 working
    # days before that = fri 14 Feb; minutes 7 days after = fri 28 Feb, 2 working days before = wed 26 Feb.
    ("agenda_deadline", M, "2020-02-14"): 1,
    ("agenda_deadline", M, "2020-02-19"): 1,
    ("chair_agenda", K, "2020-02-21"): 1,
    ("minutes", M, "2020-02-26"): 1,
    ("minutes", M, "2020-02-28"): 1,
    # LCHNV, meeting fri 6 Mar: beredning 14 days before = fri 21 Feb; agenda 5 working days before =
    # fri 28 Feb (approaching tue 25 Feb); minutes fri 13 Mar (approaching wed 11 Mar).
    ("preparation", M, "2020-02-21"): 1,
    ("agenda_deadline", M, "2020-02-25"): 1,
    ("agenda_deadline", M, "2020-02-28"): 1,
    ("chair_agenda", K, "2020-03-06"): 1,
    ("minutes", M, "2020-03-11"): 1,
    ("minutes", M, "2020-03-13"): 1,
    # LCHNV, meeting fri 12 Jun: beredning fri 29 May; agenda fri 5 Jun (approaching tue 2 Jun); minutes
    # fri 19 Jun is midsommarafton → mon 22 Jun, 2 working days before = wed 17 Jun.
    ("preparation", M, "2020-05-29"): 1,
    ("agenda_deadline", M, "2020-06-02"): 1,
    ("agenda_deadline", M, "2020-06-05"): 1,
    ("chair_agenda", K, "2020-06-12"): 1,
    ("minutes", M, "2020-06-17"): 1,
    ("minutes", M, "2020-06-22"): 1,
    # Styrgruppen, meeting fri 11 Sep 13:00: agenda wed 9 Sep (approaching fri 4 Sep); minutes fri 18 Sep
    # (approaching wed 16 Sep).
    ("agenda_deadline", M, "2020-09-04"): 1,
    ("agenda_deadline", M, "2020-09-09"): 1,
    ("chair_agenda", K, "2020-09-11"): 1,
    ("minutes", M, "2020-09-16"): 1,
    ("minutes", M, "2020-09-18"): 1,
    # LCHNV, meeting fri 25 Sep: beredning fri 11 Sep; agenda fri 18 Sep (approaching tue 15 Sep); minutes
    # fri 2 Oct (approaching wed 30 Sep).
    ("preparation", M, "2020-09-11"): 1,
    ("agenda_deadline", M, "2020-09-15"): 1,
    ("agenda_deadline", M, "2020-09-18"): 1,
    ("chair_agenda", K, "2020-09-25"): 1,
    ("minutes", M, "2020-09-30"): 1,
    ("minutes", M, "2020-10-02"): 1,
    # Case 2020:7, follow-up fri 20 Nov, responsible maria.lind (also the coordinator: one reminder).
    ("follow_up", M, "2020-11-13"): 1,
    ("follow_up", M, "2020-11-20"): 1,
    # LCHNV has no meetings in 2021 (at least 5 required): 1 Nov is a Sunday → mon 2 Nov.
    ("year_end", M, "2020-11-02"): 1,
})


def test_a_year_of_the_example_network_hour_by_hour(network) -> None:
    from bot.scheduler import run_pass

    rec = Recorder()
    svc = services(network, rec)
    start = datetime(2019, 12, 31, 23, 0, tzinfo=timezone.utc)  # 2020-01-01 00:00 in Stockholm
    end = datetime(2020, 12, 31, 23, 0, tzinfo=timezone.utc)
    got: Counter[tuple[str, str, str]] = Counter()
    hours: set[int] = set()
    per_pass: Counter[tuple[str, datetime]] = Counter()

    async def walk() -> None:  # one event loop for the whole year, as in kansli serve
        now = start
        while now < end:
            rec.now = now
            before = len(rec.sent)
            await run_pass(svc, now=now)
            for msg in rec.sent[before:]:
                per_pass[(msg.to, now)] += 1
                hours.add(local(now).hour)
                for kind in msg.kinds:
                    got[(kind, msg.to, local(now).date().isoformat())] += 1
            now += timedelta(hours=1)

    asyncio.run(walk())
    assert got == EXPECTED
    assert hours == {8}  # every reminder at the 08:00 pass (the chair's 07:30 agenda at the first pass after)
    assert max(per_pass.values()) == 1  # one message per person per pass
    # Two reminders met on fri 28 Feb and fri 18 Sep: maria.lind got each pair as one message.
    combined = [m for m in rec.sent if len(m.parts) > 1]
    assert sorted(local(m.at).date().isoformat() for m in combined) == ["2020-02-28", "2020-09-18"]
