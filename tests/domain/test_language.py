"""The language rule: noise stripped, prose decides, unsure means the standard language."""

from __future__ import annotations

import pytest

from tierdesk.domain.language import Decision, Detection, decide, strip_noise
from tierdesk.language import detect
from tierdesk.profiles import load

LC = load("luxcloud")


def decision(text: str) -> Decision:
    return decide(LC, detect(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The control panel login fails for all our customers since this morning",
            ("en", "accepted"),
        ),
        (
            "Seit dem Update können sich unsere Kunden nicht mehr am Control Panel anmelden",
            ("de", "accepted_no_guarantee"),
        ),
        (
            "Depuis la mise à jour, nos clients ne peuvent plus se connecter au panneau",
            ("fr", "accepted_no_guarantee"),
        ),
        (
            "Sinds de update kunnen onze klanten niet meer inloggen op het configuratiescherm",
            ("nl", "accepted_no_guarantee"),
        ),
        (
            "Zënter dem Update kënnen eis Clienten sech net méi um Control Panel aloggen",
            ("lb", "accepted_no_guarantee"),
        ),
        (
            "Desde la actualización nuestros clientes no pueden iniciar sesión en el panel de control",
            ("es", "rejected"),
        ),
        (
            "Od aktualizacji nasi klienci nie mogą zalogować się do panelu sterowania",
            ("pl", "rejected"),
        ),
        ("Login fails", ("en", "accepted")),  # too little prose to be sure: the standard language
    ],
)
def test_decisions(text: str, expected: tuple[str, str]) -> None:
    d = decision(text)
    assert (d.language, d.decision) == expected


def test_technical_noise_does_not_decide() -> None:
    german = (
        "Hallo, seit heute Morgen funktioniert die Anmeldung bei unserem Kunden nicht mehr.\n"
        "2026-03-10 09:14:22 ERROR [auth] LoginException: invalid_grant at https://panel.example.com/oauth/token\n"
        "    at com.example.auth.TokenService.refresh(TokenService.java:118)\n"
        "Fehlercode 0x80070005, Benutzer admin@acme.example.com, Pfad /var/log/panel/auth.log\n"
        "Wir haben den Browser gewechselt und den Cache geleert."
    )
    assert "TokenService" not in strip_noise(german) and "0x80070005" not in strip_noise(german)
    assert decision(german).language == "de"


def test_unsure_is_never_rejected() -> None:
    assert decide(LC, Detection("es", 0.6)).decision == "accepted"
    assert decide(LC, Detection(None, 0.0)) == Decision("en", "accepted")
