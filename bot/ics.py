"""The forum's calendar feed (iCalendar, RFC 5545) for Outlook, Google Calendar and the rest.

One VEVENT per meeting, past and coming. The UID (meeting-<id>@<forum>.kansli) never changes, so a
subscribed calendar updates a moved meeting instead of adding a second one; SEQUENCE is the
meeting's sequence (raised whenever its time, place or cancellation changes), and a cancelled meeting stays in the feed with STATUS:CANCELLED so that clients
remove it. Times carry TZID=Europe/Stockholm with a VTIMEZONE written as yearly rules, the form
Outlook itself writes.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vRecur
from sqlalchemy.orm import Session

from handlers.fmt import STOCKHOLM, local
from handlers.publication import forum_meetings, meeting_info, published_agenda
from storage.models import Forum
from handlers.i18n import _

PRODID = "-//kansli//kansli kalender 1.0//SV"
TZID = "Europe/Stockholm"
DEFAULT_LENGTH = timedelta(hours=1)


def stockholm_vtimezone() -> Timezone:
    """Europe/Stockholm as yearly rules: summer time from the last Sunday of March 02.00 to that of October 03.00."""
    tz = Timezone()
    tz.add("tzid", TZID)
    tz.add("x-lic-location", TZID)
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", timedelta(hours=1))
    summer.add("tzoffsetto", timedelta(hours=2))
    summer.add("dtstart", datetime(1970, 3, 29, 2, 0, 0))
    summer.add("rrule", vRecur(freq="YEARLY", bymonth=3, byday="-1SU"))
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", timedelta(hours=2))
    winter.add("tzoffsetto", timedelta(hours=1))
    winter.add("dtstart", datetime(1970, 10, 25, 3, 0, 0))
    winter.add("rrule", vRecur(freq="YEARLY", bymonth=10, byday="-1SU"))
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def meeting_uid(meeting_id: int, forum_key: str) -> str:
    return f"meeting-{meeting_id}@{forum_key}.kansli"


def forum_calendar(session: Session, forum: Forum, *, base_url: str, now: datetime) -> bytes:
    """The whole feed of one forum as bytes (UTF-8, CRLF line ends)."""
    label = forum.short or forum.name
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("{label} – möten", label=label))
    cal.add("x-wr-caldesc", _("Möten i {name}, publicerade av forumets sekretariat.", name=forum.name))
    cal.add("x-wr-timezone", TZID)
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    cal.add_component(stockholm_vtimezone())
    stamp = now.astimezone(timezone.utc)
    base = base_url.rstrip("/")
    meetings = forum_meetings(session, forum)
    today = local(now).date()
    for meeting in meetings:
        info = meeting_info(session, meeting, siblings=meetings)
        url = f"{base}{info.path}"
        ev = Event()
        ev.add("uid", meeting_uid(meeting.id, forum.key))
        ev.add("dtstamp", stamp)
        start = local(meeting.starts_at).replace(tzinfo=STOCKHOLM)
        end = local(meeting.ends_at) if meeting.ends_at else start + DEFAULT_LENGTH
        ev.add("dtstart", start)
        ev.add("dtend", end)
        ev.add("summary", _("{label} – möte", label=label) + (" (inställt)" if meeting.cancelled else ""))
        if meeting.place:
            ev.add("location", meeting.place)
        ev.add("url", url)
        description = [_("Dagordning och minnesanteckningar: {url}", url=url)]
        # The items of a published agenda, for meetings still ahead (past ones link to their page).
        # The latest published version only: a change reaches the feed when it is published again.
        agenda = published_agenda(session, meeting) if not meeting.cancelled and info.day >= today else None
        if agenda is not None:
            description.append("")
            description.append("Dagordning:")
            description += [item.heading for item in agenda.items]
        ev.add("description", "\n".join(description))
        ev.add("sequence", meeting.sequence or 0)
        ev.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
        ev.add("transp", "OPAQUE")
        cal.add_component(ev)
    return cal.to_ical()
