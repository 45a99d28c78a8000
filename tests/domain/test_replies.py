"""A bare thank-you is recognised in every accepted language; anything more is a real reply."""

from __future__ import annotations

import pytest

from tierdesk.domain.replies import confirms_solved, is_thank_you, own_text


@pytest.mark.parametrize(
    "text",
    [
        "Thanks!",
        "Thank you very much",
        "thx",
        "Many thanks, works now. Regards, Tom",
        "Danke schön!",
        "Vielen Dank für die schnelle Hilfe",
        "Merci beaucoup",
        "Merci, ça marche !",
        "Bedankt!",
        "Hartelijk dank",
        "Villmools merci",
        "Merci vill mols",
        "Thanks!\n\nOn Tue, 10 Mar 2026 at 10:00, Support wrote:\n> It is fixed now, please check.",
        "Thank you\n-- \nTom Baker\nNorthwind Hosting\n+352 123 456",
    ],
)
def test_bare_thanks(text: str) -> None:
    assert is_thank_you(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, but it still fails with error 502",
        "Thank you. The customer now sees a new error: quota exceeded",
        "Danke, aber das Problem besteht weiterhin",
        "Merci, mais le problème persiste",
        "It still does not work",
        "thanks " * 40,
        "",
        "Can you also check the second mailbox? Thanks",
    ],
)
def test_replies_that_say_more(text: str) -> None:
    assert not is_thank_you(text)


def test_quoted_history_and_signature_are_trimmed() -> None:
    assert own_text("Works now\n> old text\n> more") == "Works now"
    assert own_text("Fine\n-- \nsig") == "Fine"


@pytest.mark.parametrize(
    "text",
    [
        "Thank you, it works now",
        "It works now, you can close the ticket.",
        "Problem solved, thanks",
        "Danke, es funktioniert jetzt wieder.",
        "Merci, ça marche maintenant.",
        "Het werkt weer, bedankt!",
        "Merci, et geet erëm.",
    ],
)
def test_an_answer_that_says_it_is_solved_confirms(text: str) -> None:
    assert confirms_solved(text)


@pytest.mark.parametrize(
    "text",
    [
        "It works for most users, but what about the shared mailboxes?",
        "Thanks, but it still does not work for the second mailbox",
        "It doesn't work yet",
        "Es funktioniert immer noch nicht.",
        "Ça ne marche pas.",
        "Het werkt nog steeds niet.",
        "Here is the log you asked for.",
    ],
)
def test_a_question_or_a_failure_does_not_confirm(text: str) -> None:
    assert not confirms_solved(text)
