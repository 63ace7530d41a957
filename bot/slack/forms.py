"""The /anmäl ärende modal: its fields, and a submission turned back into the command text.

The modal asks for what the one-line command takes — titel, syfte, möte,
föredragande, bilaga (and forum when the sender sits in more than one) — and
a submission becomes exactly the text a member could have typed:
`anmäl ärende TITEL; syfte: beslut; möte: 6 mars; föredragande: @per.ek; bilaga: URL`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
    UrlInputElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from handlers.base import Reply
from handlers.registry import normalise
from handlers.i18n import _

CASE_FORM = "case"
CASE_CALLBACK = "kansli_case_form"
# A command that needs one more free text (a reason): form_values {"command": …, "label": …}.
REASON_FORM = "reason"
REASON_CALLBACK = "kansli_reason_form"
REASON = "orsak"
FORMS = (CASE_FORM, REASON_FORM)
VALUE = "value"
PURPOSES = (("information", "Information"), ("diskussion", "Diskussion"), ("beslut", "Beslut"))
TITLE_MAX = 300
ERROR_MAX = 300

# block ids, in the order the fields appear
TITLE, PURPOSE, MEETING, PRESENTER, ATTACHMENT, DESCRIPTION, PROPOSAL, FORUM = (
    "titel", "syfte", "mote", "foredragande", "bilaga", "beskrivning", "forslag", "forum")
# Slack's longest plain-text input; a longer text can still be typed as a command (up to 10,000 characters).
TEXT_INPUT_MAX = 3000


@dataclass
class CaseForm:
    title: str = ""
    purpose: str | None = None
    meeting: str = ""
    presenter_user: str | None = None
    attachment: str = ""
    description: str = ""
    proposal: str = ""
    forum: str | None = None


def case_view(reply: Reply, *, channel: str | None, forums: list[tuple[str, str]] | None = None,
              current_forum: str | None = None) -> dict[str, Any]:
    """The modal for raising a case; `forums` as (key, label), shown when there is a choice."""
    values = {normalise(k): v for k, v in (reply.form_values or {}).items()}
    purpose_options = [Option(value=v, label=label) for v, label in PURPOSES]
    wanted_purpose = normalise(values.get("syfte", "")) or "information"
    initial_purpose = next((o for o in purpose_options if o.value == wanted_purpose), purpose_options[0])
    blocks = [
        InputBlock(
            block_id=TITLE,
            label="Titel",
            element=PlainTextInputElement(
                action_id=VALUE,
                initial_value=values.get("titel") or None,
                max_length=TITLE_MAX,
                placeholder=_("Vad ärendet gäller"),
            ),
        ),
        InputBlock(
            block_id=PURPOSE,
            label="Syfte",
            element=StaticSelectElement(action_id=VALUE, options=purpose_options, initial_option=initial_purpose),
        ),
        InputBlock(
            block_id=MEETING,
            label=_("Möte"),
            optional=True,
            hint=_("Mötets datum, till exempel 6 mars eller 2020-03-06. Tomt: nästa möte."),
            element=PlainTextInputElement(action_id=VALUE, initial_value=values.get("mote") or None,
                                          placeholder=_("nästa möte")),
        ),
        InputBlock(
            block_id=PRESENTER,
            label=_("Föredragande"),
            optional=True,
            element=UserSelectElement(action_id=VALUE, placeholder=_("Välj en person")),
        ),
        InputBlock(
            block_id=ATTACHMENT,
            label=_("Bilaga (länk)"),
            optional=True,
            element=UrlInputElement(action_id=VALUE, initial_value=values.get("bilaga") or None,
                                    placeholder="https://…"),
        ),
        InputBlock(
            block_id=DESCRIPTION,
            label=_("Beskrivning"),
            optional=True,
            hint=_("Bakgrund och vad ärendet gäller; visas under ärendet på dagordningen."),
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=TEXT_INPUT_MAX,
                                          initial_value=values.get("beskrivning") or None),
        ),
        InputBlock(
            block_id=PROPOSAL,
            label=_("Förslag till beslut"),
            optional=True,
            hint=_("När syftet är beslut: det forumet föreslås besluta."),
            element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=TEXT_INPUT_MAX,
                                          initial_value=values.get("forslag") or None),
        ),
    ]
    if forums and len(forums) > 1:
        options = [Option(value=key, label=label[:75]) for key, label in forums][:100]
        wanted = current_forum or values.get("forum") or None
        initial = next((o for o in options if o.value == wanted), None)
        blocks.append(
            InputBlock(
                block_id=FORUM,
                label="Forum",
                element=StaticSelectElement(action_id=VALUE, options=options, initial_option=initial,
                                            placeholder=_("Välj forum")),
            )
        )
    view = View(
        type="modal",
        callback_id=CASE_CALLBACK,
        title=PlainTextObject(text=_("Anmäl ärende")),
        submit=PlainTextObject(text=_("Anmäl")),
        close=PlainTextObject(text="Avbryt"),
        private_metadata=json.dumps({"channel": channel}),
        blocks=blocks,
    )
    return view.to_dict()  # validated by slack_sdk


def read_case_form(values: dict[str, Any]) -> CaseForm:
    """The submitted view state (view.state.values) as a CaseForm."""

    def field(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(VALUE) or {}

    def selected(block: str) -> str | None:
        opt = field(block).get("selected_option") or {}
        return opt.get("value")

    return CaseForm(
        title=(field(TITLE).get("value") or "").strip(),
        purpose=selected(PURPOSE),
        meeting=(field(MEETING).get("value") or "").strip(),
        presenter_user=field(PRESENTER).get("selected_user"),
        attachment=(field(ATTACHMENT).get("value") or "").strip(),
        description=(field(DESCRIPTION).get("value") or "").strip(),
        proposal=(field(PROPOSAL).get("value") or "").strip(),
        forum=selected(FORUM),
    )


def _clean(text: str) -> str:
    """Keep a free-text field from starting another '; option'."""
    return " ".join(text.replace(";", ",").split())


def case_text(form: CaseForm, presenter_handle: str | None) -> str:
    parts = [f"anmäl ärende {_clean(form.title)}".strip()]
    if form.purpose:
        parts.append(f"syfte: {form.purpose}")
    if form.meeting:
        parts.append(_("möte: {meeting}", meeting=_clean(form.meeting)))
    if presenter_handle:
        parts.append(_("föredragande: @{presenter_handle}", presenter_handle=presenter_handle))
    if form.attachment:
        parts.append(f"bilaga: {_clean(form.attachment)}")
    if form.description:
        parts.append(f"beskrivning: {_clean(form.description)}")
    if form.proposal:
        parts.append(_("förslag: {proposal}", proposal=_clean(form.proposal)))
    if form.forum:
        parts.append(f"forum: {form.forum}")
    return "; ".join(parts)


def error_block(message: str, *, blocks: set[str]) -> str:
    """The field a refusal is most likely about (the title when nothing points elsewhere)."""
    words = normalise(message)
    for block, keys in (
        (TITLE, ("titel", "rubrik")),
        (ATTACHMENT, ("bilaga", "lank", "url", "http")),
        (PRESENTER, ("foredragande", "person")),
        (PURPOSE, ("syfte",)),
        (DESCRIPTION, ("beskrivning",)),
        (PROPOSAL, ("forslag",)),
        (FORUM, ("forum",)),
        (MEETING, ("mote", "datum", "dag", "vecka")),
    ):
        if block in blocks and any(k in words for k in keys):
            return block
    return TITLE


def form_errors(reply: Reply, *, blocks: set[str]) -> dict[str, str]:
    message = " ".join(reply.lines) or reply.plain_text() or _("Något stämmer inte. Kontrollera fälten.")
    message = message if len(message) <= ERROR_MAX else message[: ERROR_MAX - 1] + "…"
    return {error_block(message, blocks=blocks): message}


def reason_view(reply: Reply, *, channel: str | None) -> dict[str, Any] | None:
    """The modal for a command that needs a reason; None when the reply does not name the command."""
    command = (reply.form_values or {}).get("command", "").strip()
    if not command:
        return None
    label = (reply.form_values or {}).get("label") or _("Skäl")
    hint = " ".join(reply.lines)[:2000] or None
    view = View(
        type="modal",
        callback_id=REASON_CALLBACK,
        title=PlainTextObject(text=label[:24]),
        submit=PlainTextObject(text="Skicka"),
        close=PlainTextObject(text="Avbryt"),
        private_metadata=json.dumps({"channel": channel, "command": command})[:3000],
        blocks=[
            InputBlock(
                block_id=REASON,
                label=label[:2000],
                hint=hint,
                element=PlainTextInputElement(action_id=VALUE, multiline=True, max_length=2000),
            )
        ],
    )
    return view.to_dict()


def reason_text(command: str, values: dict[str, Any]) -> str:
    reason = (((values.get(REASON) or {}).get(VALUE) or {}).get("value") or "").strip()
    return f"{command} {' '.join(reason.split())}".strip()
