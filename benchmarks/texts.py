"""Ticket texts for the intake benchmarks: English prose, different from ticket to ticket, so the
duplicate rule flags about as few as it would at a real desk (two texts share under a third of
their words on average) and the language rule reads real sentences."""

from __future__ import annotations

import random

PRODUCTS = (
    "mailbox quota", "backup add-on", "control panel login", "invoice total", "DNS zone",
    "SSL certificate", "subscription upgrade", "password reset", "storage usage", "firewall rule",
    "domain transfer", "migration job", "webmail", "spam filter", "database size", "FTP access",
    "load balancer", "object storage", "VPN tunnel", "calendar sharing", "mobile sync",
    "archive export", "monitoring alert", "API key",
)  # fmt: skip
SYMPTOMS = (
    "fails since the update", "shows an error page", "is slow for everybody",
    "does not apply after saving", "times out every few minutes", "reports a wrong value",
    "rejects valid credentials", "stopped working overnight", "sends duplicate messages",
    "cannot be opened in the browser", "loses settings after a restart", "returns a blank screen",
    "blocks legitimate traffic", "refuses new entries", "counts twice", "never finishes",
    "shows yesterday's figures", "asks for a licence again", "hangs at ninety percent",
    "crashes on large files",
)  # fmt: skip
COMPANIES = (
    "Alder Bakery", "Birchwood Legal", "Cobalt Dental", "Driftwood Travel", "Ember Studios",
    "Fjord Logistics", "Granite Insurance", "Harbour Clinic", "Iris Florists", "Juniper Schools",
    "Kestrel Aviation", "Lantern Books", "Meadow Farms", "Nimbus Weather", "Orchard Cider",
    "Pebble Architects", "Quarry Builders", "Raven Security", "Saffron Kitchen", "Tundra Outdoor",
    "Umber Gallery", "Velvet Theatre", "Willow Pharmacy", "Yarrow Gardens", "Zephyr Cycling",
)  # fmt: skip
CONTEXTS = (
    "It started after the maintenance window on Tuesday.",
    "Nothing changed on their side according to their administrator.",
    "Only the accounting department seems affected.",
    "The problem appears mostly in the morning hours.",
    "Their office moved to a new building last week.",
    "They added forty new employees this month.",
    "Colleagues in the branch office see it as well.",
    "The issue began right after renewing the contract.",
    "Their previous provider never had this trouble.",
    "A colleague noticed it while preparing the quarterly audit.",
    "They switched browsers recently, without any improvement.",
    "The warning mentions an expired intermediate authority.",
    "Customers of theirs complained by telephone yesterday.",
    "The nightly report arrived empty twice already.",
    "Their firewall vendor pushed a configuration change.",
    "Everything looked normal until Friday afternoon.",
)
ATTEMPTS = (
    "We restarted the service twice.",
    "We cleared the cache and signed in again.",
    "We compared the settings with a working account.",
    "We checked the logs but found nothing unusual.",
    "We tried another network connection.",
    "We recreated the user profile from scratch.",
    "We followed the knowledge base article step by step.",
    "We rolled back the latest change without success.",
    "We waited one hour before trying again.",
    "We asked the customer to reboot their laptop.",
    "We verified the records with an external lookup tool.",
    "We disabled every browser extension.",
)
IMPACTS = (
    "Please help quickly, invoices are due.",
    "Twelve people cannot work properly.",
    "The director needs this fixed before the board meeting.",
    "It is annoying but there is a workaround.",
    "Sales orders are piling up meanwhile.",
    "They are considering cancelling the subscription.",
    "Support calls from their clients keep increasing.",
    "A deadline with the tax office depends on it.",
)
FIRST = (
    "Anna", "Bruno", "Chloe", "Dario", "Elena", "Felix", "Greta", "Hugo", "Ines", "Jonas",
    "Klara", "Luca", "Marta", "Nils", "Olga", "Paul", "Rosa", "Simon", "Tilde", "Victor",
)  # fmt: skip
LAST = (
    "Becker", "Costa", "Dubois", "Engel", "Fischer", "Garcia", "Hansen", "Jansen", "Keller",
    "Lambert", "Moreau", "Novak", "Olsen", "Petit", "Rossi", "Schmit", "Thill", "Weber",
)  # fmt: skip
SITES = (
    "Esch", "Ettelbruck", "Wiltz", "Diekirch", "Remich", "Mersch", "Clervaux", "Vianden",
    "Echternach", "Grevenmacher", "Differdange", "Dudelange", "Mamer", "Strassen",
)  # fmt: skip
REPLIES = (
    "Thanks, the customer confirms the behaviour is unchanged.",
    "Here are more details: it happens with every user of the branch.",
    "We tried your suggestion this morning, no improvement so far.",
    "Attached screenshots show the message in full.",
    "The customer can reproduce it on a second computer.",
    "It worked for an hour and then failed again.",
    "Could you give an estimate for the fix?",
    "The administrator is available for a call this afternoon.",
)


def ticket_text(seed: int) -> tuple[str, str]:
    """(subject, description) for the `seed`-th ticket."""
    r = random.Random(seed)
    product, symptom, company = r.choice(PRODUCTS), r.choice(SYMPTOMS), r.choice(COMPANIES)
    subject = f"{product[0].upper()}{product[1:]} {symptom} for {company}"
    description = (
        f"Our customer {company} (account {seed}) reports that the {product} {symptom}. "
        f"{r.choice(CONTEXTS)} {r.choice(ATTEMPTS)} {r.choice(IMPACTS)} "
        f"Contact {r.choice(FIRST)} {r.choice(LAST)} at the {r.choice(SITES)} office."
    )
    return subject, description


def reply_text(seed: int) -> str:
    r = random.Random(-seed)
    return f"{r.choice(REPLIES)} {r.choice(CONTEXTS)} Reference {seed}."
