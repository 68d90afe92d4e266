from django.shortcuts import redirect

from accounts.models import Role
from common.web import site_view

# Where "/" sends each role: executives read the portfolio, people with work to do see their week.
HOME_BY_ROLE = {
    Role.ADMIN: "improvement:dashboard",
    Role.EXECUTIVE: "improvement:dashboard",
    Role.FINANCE: "improvement:my_work",
    Role.LEAD: "improvement:my_work",
    Role.CONTRIBUTOR: "improvement:my_work",
    Role.VIEWER: "improvement:initiative_list",
}


@site_view
def home(request):
    return redirect(HOME_BY_ROLE.get(request.user.role, "improvement:initiative_list"))
