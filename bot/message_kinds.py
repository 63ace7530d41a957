"""The kinds of outgoing messages by their Swedish names (the outbox listing, e-mail subjects)."""
from __future__ import annotations

from handlers.i18n import _

KIND_NAMES = {
    "reminders": "påminnelser",
    "reminder.agenda_deadline": _("påminnelse dagordning"),
    "reminder.documents_deadline": _("påminnelse handlingar"),
    "reminder.preparation": _("påminnelse beredning"),
    "reminder.chair_agenda": _("dagordning till ordförande"),
    "reminder.minutes": _("påminnelse minnesanteckningar"),
    "reminder.follow_up": _("påminnelse återkoppling"),
    "reminder.assignment": _("påminnelse uppdrag"),
    "reminder.year_end": _("påminnelse nästa år"),
    "kallelse": "kallelse (e-post)",
    "minutes_mail": "minnesanteckningar (e-post)",
}
