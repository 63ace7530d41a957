"""The iCalendar invitation in an e-mailed kallelse (RFC 5546 iTIP over e-mail).

METHOD:REQUEST invites (and, with a higher SEQUENCE, updates); METHOD:CANCEL removes. The UID is the
one the forum's calendar feed (bot/ics.py) gives the meeting, so Outlook and the feed agree on which
meeting it is. ORGANIZER is kansli's sender address, ATTENDEE the recipient, asked to reply (RSVP).
"""
from __future__ import annotations

from datetime import datetime, timezone

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy.orm import Session

from bot.ics import DEFAULT_LENGTH, PRODID, meeting_uid, stockholm_vtimezone
from handlers.fmt import STOCKHOLM, local
from handlers.publication import agenda_doc, meeting_info
from storage.models import Meeting, Person
from handlers.i18n import _


def _address(email: str, name: str) -> vCalAddress:
    addr = vCalAddress(f"mailto:{email}")
    addr.params["cn"] = vText(" ".join(name.split()))
    return addr


def invitation(session: Session, meeting: Meeting, *, config, attendee: Person, method: str,  # type: ignore[no-untyped-def]
               sequence: int, now: datetime) -> bytes:
    forum = meeting.forum
    label = forum.short or forum.name
    info = meeting_info(session, meeting)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(stockholm_vtimezone())
    ev = Event()
    ev.add("uid", meeting_uid(meeting.id, forum.key))
    ev.add("dtstamp", now.astimezone(timezone.utc))
    start = local(meeting.starts_at).replace(tzinfo=STOCKHOLM)
    end = local(meeting.ends_at) if meeting.ends_at else start + DEFAULT_LENGTH
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("sequence", sequence)
    ev.add("summary", _("{label} – möte", label=label))
    if meeting.place:
        ev.add("location", meeting.place)
    url = f"{config.public_url.rstrip('/')}{info.path}" if config.public_url else ""
    if url:
        ev.add("url", url)
    description = []
    if method == "CANCEL":
        description.append(_("Mötet är inställt."))
        ev.add("status", "CANCELLED")
    else:
        ev.add("status", "CONFIRMED")
        description.append("Dagordning:")
        description += [item.heading for item in agenda_doc(session, meeting).items]
    if url:
        description += ["", _("Dagordning och minnesanteckningar: {url}", url=url)]
    ev.add("description", "\n".join(description))
    sender = config.address
    organizer = _address(sender.addr_spec, sender.display_name or "kansli")
    ev.add("organizer", organizer)
    guest = _address(attendee.email or "", attendee.name)
    guest.params["role"] = vText("REQ-PARTICIPANT")
    guest.params["partstat"] = vText("NEEDS-ACTION")
    guest.params["rsvp"] = vText("TRUE")
    ev.add("attendee", guest)
    ev.add("transp", "OPAQUE")
    cal.add_component(ev)
    return cal.to_ical()
