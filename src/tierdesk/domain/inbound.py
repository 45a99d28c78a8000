"""A message relayed by a bridge (a chat, a social network's direct messages): what it must carry
and how it reads on the ticket. The text is cleaned (`domain/sanitise.py`); the thread id is the
bridge's own and only threads its messages; the message id, when the source gives one, is the
source's own id of each message, so a message delivered twice is recorded once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tierdesk.domain.errors import Invalid, NotFound
from tierdesk.domain.profiles import Profile
from tierdesk.domain.sanitise import clean_text
from tierdesk.domain.ticket import BODY_MAX, SUBJECT_MAX
from tierdesk.domain.words import N_

THREAD = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII without spaces
NAME_MAX = 200
ADDRESS_MAX = 254
SUBJECT_WORDS = 80  # characters of the first line that name a ticket opened without a subject


@dataclass(frozen=True)
class Message:
    source: str
    channel: str
    sender_name: str
    sender_address: str
    text: str
    thread: str
    subject: str
    message_id: str = ""  # the source's own id of this message: a second delivery is the same

    def opening_subject(self) -> str:
        if self.subject:
            return self.subject
        first = self.text.splitlines()[0] if self.text else ""
        words = clean_text(first, limit=SUBJECT_WORDS, single_line=True)
        return words or f"Message from {self.sender_name or self.sender_address}"

    def signed(self, *, known: bool) -> str:
        """The text, signed with the sender when the desk does not know them as a person."""
        if known:
            return self.text
        who = self.sender_name or self.sender_address
        if self.sender_name and self.sender_address:
            who = f"{self.sender_name} <{self.sender_address}>"
        return f"{self.text}\n\n— {who} ({self.source})"


def read(
    profile: Profile,
    *,
    source: str,
    sender_name: str,
    sender_address: str,
    text: str,
    thread: str,
    subject: str | None,
    message_id: str | None = None,
) -> Message:
    """The message in the desk's terms, or Invalid naming every field that is wrong."""
    rules = profile.inbound
    if rules is None:
        raise NotFound(N_("this desk takes no relayed messages (its profile has no [inbound])"))
    fields: dict[str, str] = {}
    channel = rules.sources.get(source, "")
    if not channel:
        fields["source"] = N_(
            "is not a source this desk takes; expected one of %(choices)s",
            choices=", ".join(rules.sources),
        )
    name = clean_text(sender_name, limit=NAME_MAX, single_line=True)
    address = clean_text(sender_address, limit=ADDRESS_MAX + 1, single_line=True)
    if not address:
        fields["sender.address"] = N_("is required")
    elif len(address) > ADDRESS_MAX or " " in address:
        fields["sender.address"] = N_(
            "must be one word of at most %(ADDRESS_MAX)s characters", ADDRESS_MAX=ADDRESS_MAX
        )
    body = clean_text(text, limit=BODY_MAX + 1)
    if not body:
        fields["text"] = N_("is required")
    elif len(body) > BODY_MAX:
        fields["text"] = N_("is longer than %(BODY_MAX)s characters", BODY_MAX=BODY_MAX)
    if not THREAD.fullmatch(thread):
        fields["thread_id"] = N_("must be 1 to 200 printable characters without spaces")
    if message_id is not None and not THREAD.fullmatch(message_id):
        fields["message_id"] = N_("must be 1 to 200 printable characters without spaces")
    title = clean_text(subject or "", limit=SUBJECT_MAX + 1, single_line=True)
    if len(title) > SUBJECT_MAX:
        fields["subject"] = N_("is longer than %(SUBJECT_MAX)s characters", SUBJECT_MAX=SUBJECT_MAX)
    if fields:
        raise Invalid(N_("the message has invalid fields"), fields=fields)
    return Message(source, channel, name, address, body, thread, title, message_id or "")
