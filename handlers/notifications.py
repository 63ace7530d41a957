"""/aviseringar: where a person's notifications go — chat, e-mail or both.

Stored on the person (Person.notify_via); the deliverer in bot/ reads it. Without a choice a person
is reached in chat, and by e-mail when no chat platform reaches them or a chat delivery failed for good.
"""
from __future__ import annotations

from dataclasses import dataclass

from handlers.arguments import Dates
from handlers.base import Context, Reply, UserError
from handlers.registry import command, normalise
from handlers.i18n import _

CHOICES = {
    "chatt": "chat", "chat": "chat",
    "e-post": "email", "epost": "email", "mejl": "email", "mail": "email", "e-mail": "email", "email": "email",
    "bada": "both", "both": "both",
}
SHOWN = {"chat": "chatt", "email": "e-post", "both": _("både chatt och e-post")}
USAGE = _("/aviseringar chatt | e-post | båda")


@dataclass(frozen=True)
class Notifications:
    """/aviseringar [chatt | e-post | båda]"""
    choice: str | None  # 'chat', 'email' or 'both'; None: show where they go now


def parse_notifications(args: str, dates: Dates) -> Notifications:
    word = normalise(args)
    if not word:
        return Notifications(choice=None)
    choice = CHOICES.get(word)
    if choice is None:
        raise UserError(_("”{strip}” är inget val. Skriv {USAGE}.", strip=args.strip(), USAGE=USAGE))
    return Notifications(choice=choice)


@command("aviseringar", "notifieringar", "notifications", usage=USAGE,
         help=_("välj var Kansli når dig: i chatten, med e-post eller båda"), args=parse_notifications, order=90)
def notifications(ctx: Context, args: Notifications) -> Reply:
    person = ctx.person
    current = person.notify_via or "chat"
    choice = args.choice
    if choice is None:
        address = person.email or _("ingen adress (samordnaren lägger till den med /ledamot ändra @{handle}; e-post: …)",
                                      handle=person.handle)
        if person.email and not (ctx.personal or ctx.whispers):
            # Where everyone in the conversation reads the answer (a Teams channel or group chat).
            return Reply(lines=[_("Dina aviseringar går till {value}.", value=SHOWN[current]),
                                _("Din e-postadress visas inte där alla i samtalet ser mina svar. Skriv "
                                  "/aviseringar till mig i en personlig chatt med Kansli för att se den."),
                                _("Ändra med {USAGE}.", USAGE=USAGE)])
        return Reply(lines=[_("Dina aviseringar går till {value}. Din e-postadress: {address}.",
                              value=SHOWN[current], address=address),
                            _("Ändra med {USAGE}.", USAGE=USAGE)])
    if choice in ("email", "both") and not person.email:
        raise UserError(_("Kansli har ingen e-postadress till dig, så inget ändrades. Be samordnaren lägga "
                          "till den med /ledamot ändra @{handle}; e-post: …, och skriv sedan /aviseringar "
                          "e-post igen.", handle=person.handle))
    person.notify_via = None if choice == "chat" else choice
    ctx.audit("notifications.set", "person", person.id, via=choice)
    lines = [_("Dina aviseringar går nu till {value}.", value=SHOWN[choice])]
    if choice == "chat":
        lines.append(_("Når ingen chatt dig får du e-post i stället."))
    return Reply(lines=lines)
