"""The placeholder rule of canned replies: a fixed set, unknown names refused by name, filled in
one pass so nothing a requester typed is ever read as a placeholder."""

from __future__ import annotations

from tierdesk.domain import macros


def test_placeholders_are_found_with_or_without_spaces() -> None:
    text = "Hello {{requester.name}}, {{ ticket.number }} and {{requester.name}} again"
    assert macros.placeholders_in(text) == ["requester.name", "ticket.number"]


def test_fill_replaces_each_known_placeholder() -> None:
    filled = macros.fill(
        "Dear {{ requester.name }}, {{ticket.number}} ({{ticket.severity}}) is due {{due.resolution}}.",
        {
            "requester.name": "Ned",
            "ticket.number": "LC-000001",
            "ticket.severity": "High",
            "due.resolution": "Wed 11 Mar 10:00 CET",
        },
    )
    assert filled == "Dear Ned, LC-000001 (High) is due Wed 11 Mar 10:00 CET."


def test_a_value_that_looks_like_a_placeholder_is_not_read_again() -> None:
    values = {"ticket.subject": "{{agent.name}} {% load x %} {{ 7*7 }}", "agent.name": "Ann"}
    assert (
        macros.fill("Re: {{ticket.subject}}", values) == "Re: {{agent.name}} {% load x %} {{ 7*7 }}"
    )


def test_template_syntax_is_text_not_code() -> None:
    text = "{% if x %}a{% endif %} {{ticket.number}}"
    assert macros.fill(text, {"ticket.number": "N-1"}) == "{% if x %}a{% endif %} N-1"


def test_an_unknown_placeholder_is_refused_naming_it() -> None:
    draft = macros.Draft(
        title="Hello", texts={"en": "Hi {{customer.secret}} and {{ticket.number}}"}
    )
    problems = macros.check(draft, languages=("en", "de"))
    assert "{{customer.secret}}" in problems["texts.en"]
    assert "{{ticket.number}}" not in problems["texts.en"].split(";")[0]


def test_expressions_in_braces_are_unknown_placeholders() -> None:
    draft = macros.Draft(title="x", texts={"en": "{{ 7*7 }} {{ticket.number|upper}}"})
    problem = macros.check(draft, languages=("en",))["texts.en"]
    assert "{{7*7}}" in problem and "{{ticket.number|upper}}" in problem


def test_an_unclosed_placeholder_is_refused() -> None:
    draft = macros.Draft(title="x", texts={"en": "Hello {{requester.name"})
    assert "closing" in macros.check(draft, languages=("en",))["texts.en"]


def test_title_language_text_and_suggestion_are_checked() -> None:
    draft = macros.Draft(title=" ", texts={"xx": "hi", "en": ""}, suggests="later")
    problems = macros.check(draft, languages=("en", "de"))
    assert set(problems) == {"title", "suggests", "texts.xx"}
    empty = macros.check(macros.Draft(title="t", texts={"en": "  "}), languages=("en",))
    assert set(empty) == {"texts"}


def test_the_text_in_the_tickets_language_else_the_fallback() -> None:
    texts = {"en": "Hello", "de": "Hallo"}
    assert macros.text_for(texts, wanted="de", fallbacks=("en",)) == ("de", "Hallo")
    assert macros.text_for(texts, wanted="fr", fallbacks=("en",)) == ("en", "Hello")
    assert macros.text_for({"de": "Hallo"}, wanted="fr", fallbacks=("en",)) == ("de", "Hallo")


def test_who_manages_which() -> None:
    from tierdesk.domain.parties import Role

    assert macros.may_manage(Role.MANAGER, 1, None)
    assert macros.may_manage(Role.ADMINISTRATOR, 1, None)
    assert not macros.may_manage(Role.AGENT, 1, None)
    assert macros.may_manage(Role.AGENT, 1, 1)
    assert not macros.may_manage(Role.AGENT, 1, 2)
    assert not macros.may_manage(Role.MANAGER, 1, 2)
    assert not macros.may_manage(Role.PARTNER_ADMIN, 1, 1)
    assert not macros.may_use(Role.PARTNER_USER) and not macros.may_use(Role.SUPPLIER_CONTACT)
