"""The demo portfolio: ten initiatives drawn from real service-improvement cases, in loading order.

Pure data, read by ``manage.py load_demo``, which builds it through the services. Days count from
today (or from an initiative's start), so the demo always looks current. The initiatives cover every
PDCA stage: Plan, Do, Check, Act, standardised after Act, and a second cycle after "adapt". The people
and teams are in ``demo_people``, the shapes of the data in ``demo_specs``, the initiatives by team
in ``demo_<team>``.
"""

from improvement.management.demo_claims import CLAIM_DOCUMENTS, FIRST_CONTACT_RESOLUTION
from improvement.management.demo_customer_care import CHAT_FIRST_RESPONSE, EMAIL_SOCIAL_RESPONSE
from improvement.management.demo_digital_channels import (
    APP_BILL_PAYMENT,
    POST_BOOKING_SATISFACTION,
    SELF_SERVICE_FAQ,
)
from improvement.management.demo_retail_banking import (
    ACCOUNT_ACTIVATION,
    BANKING_APP_COMPLAINTS,
    SMART_ROUTING,
)

INITIATIVES = (
    CHAT_FIRST_RESPONSE,
    APP_BILL_PAYMENT,
    CLAIM_DOCUMENTS,
    BANKING_APP_COMPLAINTS,
    ACCOUNT_ACTIVATION,
    POST_BOOKING_SATISFACTION,
    EMAIL_SOCIAL_RESPONSE,
    FIRST_CONTACT_RESOLUTION,
    SELF_SERVICE_FAQ,
    SMART_ROUTING,
)
