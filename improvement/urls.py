from django.urls import path

from improvement.views import (
    board,
    calendar,
    dashboard,
    experiments,
    home,
    initiatives,
    milestones,
    money,
    mywork,
    roadmap,
    stages,
    targets,
)

app_name = "improvement"

urlpatterns = [
    path("", home.home, name="home"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/portfolio.csv", dashboard.dashboard_csv, name="dashboard_csv"),
    path("initiatives/", initiatives.initiative_list, name="initiative_list"),
    path("initiatives/new/", initiatives.initiative_create_view, name="initiative_create"),
    path("initiatives/<int:pk>/", initiatives.initiative_detail, name="initiative_detail"),
    path("initiatives/<int:pk>/edit/", initiatives.initiative_edit, name="initiative_edit"),
    path("initiatives/<int:pk>/status/", initiatives.status_post, name="status_post"),
    path("initiatives/<int:pk>/move/", stages.initiative_move, name="initiative_move"),
    path("initiatives/<int:pk>/decide/", stages.initiative_decide_view, name="initiative_decide"),
    path("initiatives/<int:pk>/targets/new/", targets.target_create, name="target_create"),
    path(
        "initiatives/<int:pk>/targets/<int:target_pk>/evaluate/",
        targets.target_evaluate,
        name="target_evaluate",
    ),
    path("initiatives/<int:pk>/measurements/new/", targets.measurement_create, name="measurement_create"),
    path("initiatives/<int:pk>/milestones/new/", milestones.milestone_create_view, name="milestone_create"),
    path("initiatives/<int:pk>/plan/", milestones.apply_plan, name="apply_plan"),
    path("initiatives/<int:pk>/costs/new/", money.cost_create_view, name="cost_create"),
    path("initiatives/<int:pk>/benefits/new/", money.benefit_create_view, name="benefit_create"),
    path("milestones/<int:pk>/edit/", milestones.milestone_edit, name="milestone_edit"),
    path("milestones/<int:pk>/complete/", milestones.milestone_complete_view, name="milestone_complete"),
    path("benefits/<int:pk>/validate/", money.benefit_validate_view, name="benefit_validate"),
    path("experiments/<int:pk>/", experiments.experiment_detail, name="experiment_detail"),
    path("experiments/<int:pk>/start/", experiments.experiment_start_view, name="experiment_start"),
    path("experiments/<int:pk>/stop/", experiments.experiment_stop_view, name="experiment_stop"),
    path("experiments/<int:pk>/conclude/", experiments.experiment_conclude_view, name="experiment_conclude"),
    path("board/", board.board, name="board"),
    path("roadmap/", roadmap.roadmap, name="roadmap"),
    path("my-work/", mywork.my_work, name="my_work"),
    path("calendar/", calendar.calendar_page, name="calendar"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]
