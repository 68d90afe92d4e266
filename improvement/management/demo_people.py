"""The demo's people and teams: the logins ``manage.py load_demo`` prints, and who works where."""

from dataclasses import dataclass

from accounts.models import Role

DEMO_PASSWORD = "demo-pass-2026"

CUSTOMER_CARE = "Customer Care"
DIGITAL_CHANNELS = "Digital Channels"
CLAIMS = "Claims"
RETAIL_BANKING = "Retail Banking"
TEAMS = {
    CUSTOMER_CARE: "Phone, chat, email and social support for consumer customers.",
    DIGITAL_CHANNELS: "The mobile app, web self-service and the help centre.",
    CLAIMS: "Insurance claims intake, the claims hotline and document handling.",
    RETAIL_BANKING: "Retail banking products, the banking app and its contact centre.",
}


@dataclass(frozen=True)
class DemoUser:
    key: str
    email: str
    full_name: str
    role: str
    teams: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser("admin", "admin@demo.pdca", "Sam Keller", Role.ADMIN),
    DemoUser("executive", "executive@demo.pdca", "Helen Park", Role.EXECUTIVE),
    DemoUser("lead", "lead@demo.pdca", "Lena Ortiz", Role.LEAD, (CUSTOMER_CARE, DIGITAL_CHANNELS)),
    DemoUser("lead2", "lead2@demo.pdca", "Marco Weiss", Role.LEAD, (CLAIMS, RETAIL_BANKING)),
    DemoUser("contributor", "contributor@demo.pdca", "Priya Nair", Role.CONTRIBUTOR, (CUSTOMER_CARE, CLAIMS)),
    DemoUser("viewer", "viewer@demo.pdca", "Tom Becker", Role.VIEWER, (DIGITAL_CHANNELS,)),
    DemoUser("finance", "finance@demo.pdca", "Grace Liu", Role.FINANCE),
)
DEMO_ADMIN_EMAIL = DEMO_USERS[0].email
