"""The demo portfolio built through the services the site itself uses: teams and people, then each
initiative walked through its stages (``manage.py load_demo`` runs it in one transaction).
"""

import datetime as dt
import random
from decimal import Decimal

from django.core.management.base import CommandError

from accounts.models import Team, User
from accounts.services import membership_add, team_create, user_create
from improvement.management.demo_cases import INITIATIVES
from improvement.management.demo_conversation import load_demo_conversation
from improvement.management.demo_ideas import load_demo_ideas
from improvement.management.demo_people import DEMO_PASSWORD, DEMO_USERS, TEAMS
from improvement.management.demo_series import (
    long_date,
    measurement_periods,
    measurement_values,
    variant_rows,
)
from improvement.management.demo_specs import ExperimentSpec, InitiativeSpec, MilestoneSpec, NextCycleSpec
from improvement.models import STAGE_ORDER, Initiative, Milestone, MilestoneStatus, Stage
from improvement.services.experiment_data import experiment_data_replace
from improvement.services.experiment_guardrails import (
    experiment_guardrail_data_replace,
    experiment_guardrail_set,
)
from improvement.services.experiments import experiment_conclude, experiment_create, experiment_start
from improvement.services.initiatives import initiative_create, initiative_update
from improvement.services.money import benefit_create, benefit_validate, cost_create
from improvement.services.roadmap import milestone_create, milestone_update
from improvement.services.signoff_rules import sign_off_rule_create
from improvement.services.signoffs import sign_off_approve, sign_off_request, sign_off_rule_for
from improvement.services.stages import initiative_decide, initiative_transition
from improvement.services.targets import kpi_target_create, kpi_target_evaluate, status_update_post
from kpis.models import Kpi
from kpis.services import measurement_upsert_many

SIGN_OFF_NOTE = "Targets, milestones and the money are planned; ready to start the pilot."
SIGN_OFF_COMMENT = "Agreed: go ahead with the pilot."
MSG_NO_CATALOGUE = "The KPI catalogue is missing ({codes}); run `manage.py migrate` first."
STAGE_NOTES = {
    Stage.DO: "Plan agreed with the sponsor; the pilot starts.",
    Stage.CHECK: "Enough data since the start to judge the effect.",
    Stage.ACT: "Primary targets evaluated against the baseline.",
}


class DemoLoader:
    def __init__(self, *, today: dt.date) -> None:
        self.today = today
        self.users: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.kpis: dict[str, Kpi] = {}
        self.measurements = 0
        self.experiments = 0

    def load(self) -> list[Initiative]:
        codes = {target.kpi for spec in INITIATIVES for target in spec.targets} | {
            code
            for spec in INITIATIVES
            for experiment in spec.experiments
            for code in (experiment.kpi, *experiment.guardrails)
        }
        self.kpis = {kpi.code: kpi for kpi in Kpi.objects.active().filter(code__in=codes)}
        missing = codes - set(self.kpis)
        if missing:
            raise CommandError(MSG_NO_CATALOGUE.format(codes=", ".join(sorted(missing))))
        self.teams = {
            name: team_create(actor=None, name=name, description=text) for name, text in TEAMS.items()
        }
        for person in DEMO_USERS:
            user = user_create(
                actor=None,
                email=person.email,
                password=DEMO_PASSWORD,
                full_name=person.full_name,
                role=person.role,
            )
            for team_name in person.teams:
                membership_add(actor=None, team=self.teams[team_name], user=user)
            self.users[person.key] = user
        # Plan → Do needs the sponsor's sign-off (docs/domain.md, "Sign-offs").
        sign_off_rule_create(actor=self.users["admin"], to_stage=Stage.DO, reviewer_roles=["sponsor"])
        initiatives = [self._initiative(spec) for spec in INITIATIVES]
        load_demo_ideas(users=self.users, teams=self.teams, today=self.today)
        load_demo_conversation(users=self.users, initiatives=initiatives)
        return initiatives

    def _user(self, key: str, initiative: Initiative) -> User:
        return self.users[key] if key else initiative.lead

    def _initiative(self, spec: InitiativeSpec) -> Initiative:
        lead = self.users[spec.lead]
        start = self.today - dt.timedelta(days=spec.start_days_ago)
        end = start + dt.timedelta(days=spec.length_days)
        initiative = initiative_create(
            actor=lead,
            title=spec.title,
            team=self.teams[spec.team],
            start_date=start,
            lead=lead,
            members=[self.users[key] for key in spec.members],
            with_standard_plan=spec.standard_plan,
            sponsor=self.users["executive"],
            problem_statement=spec.problem_statement,
            smart_goal=spec.smart_goal.format(end=long_date(end)),
            scope=spec.scope,
            category=spec.category,
            breakpoint_type=spec.breakpoint_type,
            impact=spec.impact,
            effort=spec.effort,
            target_end_date=end,
        )
        baseline, after = measurement_periods(start=start, today=self.today, weekly=spec.weekly)
        # Seeded by the title so every load draws the same wobble.
        rng = random.Random(spec.title)
        series = {
            target.kpi: measurement_values(
                target, self.kpis[target.kpi], start=start, baseline=baseline, after=after, rng=rng
            )
            for target in spec.targets
        }
        targets = [
            kpi_target_create(
                actor=lead,
                initiative=initiative,
                kpi=self.kpis[target.kpi],
                baseline_value=target.baseline,
                target_value=target.target,
                segment=target.segment,
                baseline_start=baseline[0],
                baseline_end=baseline[-1],
                target_date=end,
                is_primary=target.is_primary,
                unit_value_per_month=(
                    Decimal(target.unit_value_per_month) if target.unit_value_per_month else None
                ),
            )
            for target in spec.targets
        ]
        # The baseline comes from the systems' history, imported by the lead while planning.
        self._measure(spec, series, actor=lead, periods=set(baseline))
        milestones = self._milestones(spec, initiative, start=start)
        # Costs and benefits are planned before the pilot starts: entering Do locks the forecast.
        self._money(spec, initiative, lead)

        # A pilot that was extended went to Check first and stepped back to Do.
        furthest = STAGE_ORDER.index(Stage.CHECK if spec.back_to_do_reason else spec.stage)
        if furthest >= STAGE_ORDER.index(Stage.DO):
            self._move(initiative, lead, Stage.DO)
        self._progress_milestones(milestones)
        if furthest >= STAGE_ORDER.index(Stage.DO):
            recorder = self.users["contributor"] if "contributor" in spec.members else lead
            self._measure(spec, series, actor=recorder, periods=set(after))
            for experiment in spec.experiments:
                self._experiment(experiment, initiative, lead)
        if furthest >= STAGE_ORDER.index(Stage.CHECK):
            self._move(initiative, lead, Stage.CHECK)
        if spec.back_to_do_reason:
            initiative_transition(
                actor=lead, initiative=initiative, to=Stage.DO, reason=spec.back_to_do_reason
            )
        if spec.evaluate_in_check or furthest == STAGE_ORDER.index(Stage.ACT):
            for target in targets:
                if target.is_primary:
                    kpi_target_evaluate(actor=lead, target=target)
        if furthest == STAGE_ORDER.index(Stage.ACT):
            self._move(initiative, lead, Stage.ACT)
        if spec.decision:
            initiative_decide(
                actor=lead, initiative=initiative, decision=spec.decision, note=spec.decision_note
            )
        if spec.next_cycle:
            self._plan_next_cycle(spec.next_cycle, initiative, lead)
        for update in sorted(spec.updates, key=lambda u: -u.days_ago):
            status_update_post(
                actor=lead,
                initiative=initiative,
                health=update.health,
                narrative=update.narrative,
                date=self.today - dt.timedelta(days=update.days_ago),
            )
        return initiative

    def _measure(self, spec: InitiativeSpec, series, *, actor: User, periods: set[dt.date]) -> None:
        rng = random.Random(f"{spec.title} samples")
        rows = [
            {
                "kpi": self.kpis[target.kpi],
                "segment": target.segment,
                "period": period,
                "value": value,
                "source": spec.source,
                "sample_size": (
                    rng.randint(target.sample_size * 9 // 10, target.sample_size * 11 // 10)
                    if target.sample_size
                    else None
                ),
            }
            for target in spec.targets
            for period, value in series[target.kpi]
            if period in periods
        ]
        if rows:
            self.measurements += measurement_upsert_many(actor=actor, rows=rows).created

    def _experiment(self, spec: ExperimentSpec, initiative: Initiative, lead: User) -> None:
        """Design, start and fill an experiment during Do; conclude it if the spec has a decision."""
        experiment = experiment_create(
            actor=lead,
            initiative=initiative,
            name=spec.name,
            hypothesis=spec.hypothesis,
            primary_kpi=self.kpis[spec.kpi],
            guardrail_kpis=[self.kpis[code] for code in spec.guardrails],
            metric_type=spec.metric_type,
            mde=spec.mde,
            variants=[
                {"key": v.key, "name": v.name, "weight": v.weight, "is_control": v.is_control}
                for v in spec.variants
            ],
        )
        experiment_start(actor=lead, experiment=experiment)
        experiment_data_replace(
            actor=lead, experiment=experiment, rows=variant_rows(spec.metric_type, spec.variants)
        )
        for guardrail in spec.guardrail_data:
            kpi = self.kpis[guardrail.kpi]
            experiment_guardrail_set(
                actor=lead,
                experiment=experiment,
                kpi=kpi,
                metric_type=guardrail.metric_type,
                tolerance=guardrail.tolerance,
            )
            experiment_guardrail_data_replace(
                actor=lead,
                experiment=experiment,
                kpi=kpi,
                rows=variant_rows(guardrail.metric_type, guardrail.variants),
            )
        if spec.decision:
            experiment_conclude(
                actor=lead, experiment=experiment, decision=spec.decision, note=spec.decision_note
            )
        self.experiments += 1

    def _move(self, initiative: Initiative, lead: User, stage: str) -> None:
        if sign_off_rule_for(initiative=initiative, to_stage=stage) is not None:
            request = sign_off_request(actor=lead, initiative=initiative, to_stage=stage, note=SIGN_OFF_NOTE)
            sign_off_approve(actor=initiative.sponsor, request=request, comment=SIGN_OFF_COMMENT)
        initiative_transition(actor=lead, initiative=initiative, to=stage, note=STAGE_NOTES[stage])

    def _milestones(
        self, spec: InitiativeSpec, initiative: Initiative, *, start: dt.date
    ) -> list[tuple[Milestone, MilestoneSpec]]:
        """Create the custom milestones and pair every milestone with the state it should end in."""
        lead = initiative.lead
        planned = []
        if spec.standard_plan:
            for milestone in initiative.milestones.order_by("due_date", "id"):
                day = (milestone.due_date - start).days + 1
                status = MilestoneStatus.DONE if day <= spec.plan_done_through else MilestoneStatus.PLANNED
                wanted = spec.plan_changes.get(milestone.title, MilestoneSpec(milestone.title, day, status))
                if wanted.owner:
                    milestone = milestone_update(
                        actor=lead, milestone=milestone, owner=self.users[wanted.owner]
                    )
                planned.append((milestone, wanted))
        for item in spec.milestones:
            milestone = milestone_create(
                actor=lead,
                initiative=initiative,
                title=item.title,
                due_date=start + dt.timedelta(days=item.day - 1),
                owner=self._user(item.owner, initiative),
                acceptance_criteria=item.acceptance_criteria,
            )
            planned.append((milestone, item))
        return planned

    def _progress_milestones(self, planned: list[tuple[Milestone, MilestoneSpec]]) -> None:
        """Owners report their milestones' state, oldest first; open past-due ones stay overdue."""
        for milestone, wanted in planned:
            if wanted.status != MilestoneStatus.PLANNED:
                owner = milestone.owner
                milestone_update(actor=owner, milestone=milestone, status=wanted.status)

    def _plan_next_cycle(self, spec: NextCycleSpec, initiative: Initiative, lead: User) -> None:
        start = initiative.cycle_started_on
        end = start + dt.timedelta(days=spec.length_days)
        initiative_update(
            actor=lead,
            initiative=initiative,
            smart_goal=spec.smart_goal.format(end=long_date(end)),
            target_end_date=end,
        )
        for item in spec.milestones:
            milestone_create(
                actor=lead,
                initiative=initiative,
                title=item.title,
                due_date=start + dt.timedelta(days=item.day - 1),
                owner=self._user(item.owner, initiative),
                acceptance_criteria=item.acceptance_criteria,
            )

    def _money(self, spec: InitiativeSpec, initiative: Initiative, lead: User) -> None:
        for cost in spec.costs:
            cost_create(
                actor=lead,
                initiative=initiative,
                kind=cost.kind,
                description=cost.description,
                amount=Decimal(cost.amount),
                start_month=cost.start_month,
            )
        for item in spec.benefits:
            benefit = benefit_create(
                actor=lead,
                initiative=initiative,
                kind=item.kind,
                nature=item.nature,
                description=item.description,
                monthly_amount=Decimal(item.monthly_amount),
                start_month=item.start_month,
            )
            if item.validated:
                benefit_validate(actor=self.users["finance"], benefit=benefit)
