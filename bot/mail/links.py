"""Signed personal links: KANSLI_PUBLIC_URL/franvaro/TOKEN in an e-mailed kallelse.

A token names one person and one meeting, when it was issued and until when it holds (the meeting's
start), signed with HMAC-SHA256 under KANSLI_LINK_SECRET: `P.M.EXPIRES.ISSUED.SIGNATURE`, the numbers
in decimal (epoch seconds), the signature in URL-safe base64. Anything changed in it breaks the
signature. The page that takes it (bot/absence_link.py) also refuses a token issued before the
person last withdrew an absence from that meeting, so a link cannot be reused after a withdrawal.
The form on that page carries a CSRF token derived from the link token and a cookie nonce.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

PATH = "/franvaro/"


@dataclass(frozen=True)
class LinkToken:
    person_id: int
    meeting_id: int
    expires: datetime
    issued: datetime


def _sig(secret: str, message: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _epoch(dt: datetime) -> int:
    return int(dt.astimezone(timezone.utc).timestamp())


def sign(secret: str, *, person_id: int, meeting_id: int, expires: datetime, issued: datetime) -> str:
    body = f"{person_id}.{meeting_id}.{_epoch(expires)}.{_epoch(issued)}"
    return f"{body}.{_sig(secret, 'franvaro|' + body)}"


def verify(secret: str, token: str, *, now: datetime) -> LinkToken | None:
    """The token's contents when the signature holds and it has not expired; None otherwise."""
    parts = token.split(".")
    if len(parts) != 5 or not all(p.isdigit() and len(p) < 20 for p in parts[:4]):
        return None
    body = ".".join(parts[:4])
    # Compared as bytes: a hand-edited link may hold any character, and str comparison takes ASCII only.
    if not secret or not hmac.compare_digest(_sig(secret, "franvaro|" + body).encode(), parts[4].encode()):
        return None
    person_id, meeting_id, expires, issued = (int(p) for p in parts[:4])
    found = LinkToken(person_id, meeting_id, datetime.fromtimestamp(expires, timezone.utc),
                      datetime.fromtimestamp(issued, timezone.utc))
    if now >= found.expires:
        return None
    return found


def link(public_url: str, secret: str, *, person_id: int, meeting_id: int, expires: datetime,
         issued: datetime) -> str:
    token = sign(secret, person_id=person_id, meeting_id=meeting_id, expires=expires, issued=issued)
    return f"{public_url.rstrip('/')}{PATH}{token}"


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(secret: str, token: str, nonce: str) -> str:
    return _sig(secret, f"csrf|{token}|{nonce}")


def csrf_ok(secret: str, token: str, nonce: str | None, given: str | None) -> bool:
    if not nonce or not given:
        return False
    return hmac.compare_digest(csrf_token(secret, token, nonce).encode(), given.encode())
