"""GET /forum/{id}/kalender.ics: the forum's meetings as a calendar Outlook and Google accept, parsed back."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone

from bot.ics import stockholm_vtimezone
from tests.bot.test_web import fetch, services_for
from tests.conftest import at
from tests.pubdata import add_published_meeting, set_meeting

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PUBLIC = "https://kansli.example.se"


def feed(services) -> tuple[str, Calendar]:  # type: ignore[no-untyped-def]
    (status, ctype, body), = fetch(services, "/forum/lchnv/kalender.ics")
    assert status == 200
    return ctype, Calendar.from_ical(body)


def events(cal: Calendar) -> dict[str, object]:
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def test_feed_has_every_meeting_past_and_coming_in_stockholm_time(network, engine) -> None:  # type: ignore[no-untyped-def]
    ids = add_published_meeting(network, sent=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"), public_url=PUBLIC + "/")
    ctype, cal = feed(services)
    assert ctype == "text/calendar; charset=utf-8"
    # What Outlook and Google need at the top.
    assert str(cal["VERSION"]) == "2.0"
    assert "kansli" in str(cal["PRODID"])
    assert str(cal["CALSCALE"]) == "GREGORIAN" and str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == "LCHNV – möten"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]

    evs = events(cal)
    assert len(evs) == 3  # 6 March (past), 12 June and 25 September
    march = evs[f"meeting-{ids.march_id}@lchnv.kansli"]
    assert march["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert march.decoded("DTSTART") == datetime(2020, 3, 6, 9, 30, tzinfo=STOCKHOLM)
    assert march.decoded("DTEND") == datetime(2020, 3, 6, 14, 0, tzinfo=STOCKHOLM)
    assert str(march["LOCATION"]) == "Myntgatan 2, Falun, lokal Siljan"
    assert str(march["URL"]) == f"{PUBLIC}/forum/lchnv/mote/2020-03-06"
    assert str(march["STATUS"]) == "CONFIRMED"
    assert march.decoded("DTSTAMP") == at("2020-05-01T09:00").astimezone(timezone.utc)
    assert f"{PUBLIC}/forum/lchnv/mote/2020-03-06" in str(march["DESCRIPTION"])
    june = evs[f"meeting-{ids.june_id}@lchnv.kansli"]
    assert june.decoded("DTSTART") == datetime(2020, 6, 12, 9, 30, tzinfo=STOCKHOLM)
    assert "Förslag om ny regional lönerevision" not in str(june["DESCRIPTION"])  # not published


def test_a_coming_meeting_carries_its_published_agenda(network, engine) -> None:  # type: ignore[no-untyped-def]
    ids = add_published_meeting(network)
    services = services_for(network, engine, now=at("2020-03-01T09:00"))
    _, cal = feed(services)
    description = str(events(cal)[f"meeting-{ids.march_id}@lchnv.kansli"]["DESCRIPTION"])
    assert "Dagordning:" in description and "5. Utvärdering av avtal avseende tillnyktringsplatser" in description
    june = str(events(cal)[f"meeting-{ids.june_id}@lchnv.kansli"]["DESCRIPTION"])
    assert "Dagordning:" not in june and "lönerevision" not in june


def test_uids_stay_the_same_across_fetches_and_when_a_meeting_moves(network, engine) -> None:  # type: ignore[no-untyped-def]
    ids = add_published_meeting(network)
    services = services_for(network, engine, now=at("2020-05-01T09:00"), public_url=PUBLIC)
    _, first = feed(services)
    _, second = feed(services)
    assert set(events(first)) == set(events(second))
    uid = f"meeting-{ids.june_id}@lchnv.kansli"
    before = events(first)[uid]

    set_meeting(network, ids.june_id, starts_at=at("2020-06-12T13:00"), ends_at=at("2020-06-12T15:00"),
                place="Myntgatan 2, Falun")
    _, moved = feed(services)
    assert set(events(moved)) == set(events(first))  # updated, not duplicated
    after = events(moved)[uid]
    assert after.decoded("DTSTART") == datetime(2020, 6, 12, 13, 0, tzinfo=STOCKHOLM)
    assert str(after["LOCATION"]) == "Myntgatan 2, Falun"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_a_cancelled_meeting_stays_in_the_feed_as_cancelled(network, engine) -> None:  # type: ignore[no-untyped-def]
    ids = add_published_meeting(network)
    set_meeting(network, ids.september_id, cancelled=True)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    _, cal = feed(services)
    ev = events(cal)[f"meeting-{ids.september_id}@lchnv.kansli"]
    assert str(ev["STATUS"]) == "CANCELLED"
    assert len(events(cal)) == 3


def test_without_public_url_links_point_at_the_address_asked(network, engine) -> None:  # type: ignore[no-untyped-def]
    services = services_for(network, engine, now=at("2020-05-01T09:00"))
    _, cal = feed(services)
    for ev in cal.walk("VEVENT"):
        assert str(ev["URL"]).startswith("http://127.0.0.1:")
        assert "/forum/lchnv/mote/2020-" in str(ev["URL"])


def test_vtimezone_rules_agree_with_the_tz_database() -> None:
    """A client that reads only our VTIMEZONE (not its own tz data) must put every meeting at the right hour."""
    raw = stockholm_vtimezone().to_ical().replace(b"TZID:Europe/Stockholm", b"TZID:kansli-test")
    rules = Timezone.from_ical(raw).to_tz()
    t = datetime(2019, 1, 1, 0, 30)
    while t < datetime(2032, 1, 1):
        real = t.replace(tzinfo=STOCKHOLM)
        if real.astimezone(timezone.utc).astimezone(STOCKHOLM).replace(tzinfo=None) == t:  # skip the spring gap
            assert t.replace(tzinfo=rules).utcoffset() == real.utcoffset(), t
        t += timedelta(hours=7)


def test_links_never_come_from_the_host_header(network, engine) -> None:  # type: ignore[no-untyped-def]
    """Without KANSLI_PUBLIC_URL the links use the address kansli listens on, whatever Host the request names."""
    import asyncio

    from aiohttp.test_utils import TestClient, TestServer

    from tests.bot.test_web import pages_app

    add_published_meeting(network)
    services = services_for(network, engine, now=at("2020-05-01T09:00"))

    async def go() -> tuple[str, str]:
        async with TestClient(TestServer(pages_app(services), host="127.0.0.1")) as client:
            headers = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
            ics = await (await client.get("/forum/lchnv/kalender.ics", headers=headers)).text()
            page = await (await client.get("/forum/lchnv", headers=headers)).text()
            return ics, page

    ics, page = asyncio.run(go())
    assert "evil.example" not in ics and "evil.example" not in page
    for ev in Calendar.from_ical(ics).walk("VEVENT"):
        assert str(ev["URL"]).startswith("http://127.0.0.1:")


def test_user_text_in_the_feed_cannot_add_lines_or_events(network, engine) -> None:  # type: ignore[no-untyped-def]
    """iCalendar escaping: a case title with line breaks, ';' and ',' stays one text value."""
    from sqlalchemy import select

    from storage.models import AgendaItem

    ids = add_published_meeting(network)
    evil = "Titel\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Falskt möte; med, skiljetecken"
    with network() as s:
        # the item as it stands on the published agenda, which the feed's description shows
        s.scalar(select(AgendaItem).where(AgendaItem.case_id == ids.case_id)).title = evil
        s.commit()
    services = services_for(network, engine, now=at("2020-03-01T09:00"), public_url=PUBLIC)
    _, cal = feed(services)
    assert len(events(cal)) == 3  # no event was added
    description = str(events(cal)[f"meeting-{ids.march_id}@lchnv.kansli"]["DESCRIPTION"])
    assert "SUMMARY:Falskt möte; med, skiljetecken" in description  # kept as text inside the description
