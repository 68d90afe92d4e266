"""An integrator's first hour, written against the client openapi-python-client generated from the
live schema (``pdca_client`` on PYTHONPATH, see .ci/client_it). Each step asserts what the answer
must be; an answer the schema does not document raises (``raise_on_unexpected_status``).

Prints one line per step and a pytest-style closing line that .ci/run adds to the CI total.
"""

import argparse
import datetime as dt
import sys
import time
import traceback

from pdca_client import AuthenticatedClient
from pdca_client.api.initiatives import (
    initiatives_create,
    initiatives_list,
    initiatives_progress_retrieve,
    initiatives_retrieve,
    initiatives_transition_create,
)
from pdca_client.api.measurements import measurements_bulk_create
from pdca_client.api.milestones import milestones_create
from pdca_client.api.targets import targets_create, targets_list
from pdca_client.models import (
    Error,
    InitiativeInputRequest,
    KpiTargetInputRequest,
    MeasurementBulkRequest,
    MeasurementRowRequest,
    MilestoneInputRequest,
    StageEnum,
    TransitionInputRequest,
)

BASELINE, TARGET = 70.0, 80.0
READINGS = [72.0, 75.0, 78.0]


class Workflow:
    def __init__(self, client: AuthenticatedClient, *, team: int, kpi: str):
        self.client, self.team, self.kpi = client, team, kpi
        self.today = dt.date.today()
        # The sync's starting point: a second before anything this run writes.
        self.since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        self.initiative = None
        self.target_id = None

    def list_initiatives(self):
        answer = initiatives_list.sync_detailed(client=self.client, page_size=5, ordering="-updated_at")
        assert answer.status_code == 200, answer.status_code
        assert answer.parsed.count > 0 and len(answer.parsed.results) <= 5
        assert all(row.code.startswith("IMP-") for row in answer.parsed.results)

    def create_initiative(self):
        body = InitiativeInputRequest(
            title="Generated client: callback pilot",
            team=self.team,
            start_date=self.today,
            smart_goal="Raise first-contact resolution from 70 % to 80 % within 90 days.",
        )
        answer = initiatives_create.sync_detailed(client=self.client, body=body)
        assert answer.status_code == 201, (answer.status_code, answer.content)
        self.initiative = answer.parsed
        assert self.initiative.stage == StageEnum.PLAN and self.initiative.team.id == self.team

    def plan_to_do_is_refused_until_the_gate_passes(self):
        body = TransitionInputRequest(to=StageEnum.DO)
        answer = initiatives_transition_create.sync_detailed(
            self.initiative.id, client=self.client, body=body
        )
        assert answer.status_code == 409, answer.status_code
        assert isinstance(answer.parsed, Error) and answer.parsed.code == "gate_failed"
        unmet = {d["code"] for d in answer.parsed.details if not d["passed"]}
        # With no milestones yet, none lacks an owner: that condition passes.
        assert unmet == {"kpi_target", "milestones"}, unmet

    def add_target_and_milestone(self):
        target = KpiTargetInputRequest(
            initiative=self.initiative.id, kpi=self.kpi, baseline_value=BASELINE, target_value=TARGET
        )
        answer = targets_create.sync_detailed(client=self.client, body=target)
        assert answer.status_code == 201, (answer.status_code, answer.content)
        self.target_id = answer.parsed.id
        milestone = MilestoneInputRequest(
            initiative=self.initiative.id,
            title="Pilot in queue B",
            due_date=self.today + dt.timedelta(days=30),
            owner=self.initiative.lead.id,
        )
        answer = milestones_create.sync_detailed(client=self.client, body=milestone)
        assert answer.status_code == 201, (answer.status_code, answer.content)

    def plan_to_do_with_if_match(self):
        current = initiatives_retrieve.sync_detailed(self.initiative.id, client=self.client)
        assert current.status_code == 200
        stale = initiatives_transition_create.sync_detailed(
            self.initiative.id,
            client=self.client,
            body=TransitionInputRequest(to=StageEnum.DO),
            if_match='"0"',
        )
        assert stale.status_code == 412, stale.status_code
        answer = initiatives_transition_create.sync_detailed(
            self.initiative.id,
            client=self.client,
            body=TransitionInputRequest(to=StageEnum.DO, note="Plan approved"),
            if_match=current.headers["ETag"],
        )
        assert answer.status_code == 201, (answer.status_code, answer.content)
        assert answer.parsed.to_stage == StageEnum.DO

    def post_measurements(self):
        rows = [
            MeasurementRowRequest(
                kpi=self.kpi, period=self.today - dt.timedelta(days=len(READINGS) - i), value=v
            )
            for i, v in enumerate(READINGS)
        ]
        answer = measurements_bulk_create.sync_detailed(
            client=self.client, body=MeasurementBulkRequest(rows=rows)
        )
        assert answer.status_code == 200, (answer.status_code, answer.content)
        assert answer.parsed.created + answer.parsed.updated == len(READINGS), answer.parsed

    def read_progress(self):
        answer = initiatives_progress_retrieve.sync_detailed(self.initiative.id, client=self.client)
        assert answer.status_code == 200, answer.status_code
        progress = answer.parsed
        assert progress.stage == StageEnum.DO
        (target,) = [t for t in progress.targets if t.id == self.target_id]
        assert target.current == READINGS[-1], target.current
        assert abs(target.progress - (READINGS[-1] - BASELINE) / (TARGET - BASELINE)) < 1e-9, target.progress

    def sync_with_updated_since(self):
        changed = initiatives_list.sync_detailed(client=self.client, updated_since=self.since, page_size=100)
        assert changed.status_code == 200, changed.status_code
        assert self.initiative.id in {row.id for row in changed.parsed.results}
        targets = targets_list.sync_detailed(client=self.client, updated_since=self.since, page_size=100)
        assert targets.status_code == 200
        assert self.target_id in {row.id for row in targets.parsed.results}
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
        nothing = initiatives_list.sync_detailed(client=self.client, updated_since=later)
        assert nothing.status_code == 200 and nothing.parsed.count == 0

    def _walk(self, endpoint, cursor: str) -> tuple[dict, str]:
        """Follow the change feed from ``cursor`` until it says complete: (rows by id, new cursor)."""
        rows = {}
        for _ in range(1_000):
            answer = endpoint.sync_detailed(client=self.client, change_cursor=cursor, page_size=100)
            assert answer.status_code == 200, answer.status_code
            rows.update({row.id: row for row in answer.parsed.results})
            cursor = answer.parsed.sync.cursor
            if answer.parsed.sync.complete:
                return rows, cursor
        raise AssertionError("the change feed never completed")

    def sync_with_the_change_cursor(self):
        initiatives, _ = self._walk(initiatives_list, "")
        assert self.initiative.id in initiatives
        targets, cursor = self._walk(targets_list, "")
        assert targets[self.target_id].current_value == READINGS[-1]
        again, _ = self._walk(targets_list, cursor)
        assert self.target_id not in again, "an unchanged target came back"
        # A new reading moves the target's current value: the feed serves the target again.
        reading = MeasurementRowRequest(kpi=self.kpi, period=self.today, value=79.0)
        answer = measurements_bulk_create.sync_detailed(
            client=self.client, body=MeasurementBulkRequest(rows=[reading])
        )
        assert answer.status_code == 200, answer.status_code
        changed, _ = self._walk(targets_list, cursor)
        assert changed[self.target_id].current_value == 79.0

    def a_page_past_the_end_is_a_documented_404(self):
        answer = initiatives_list.sync_detailed(client=self.client, page=10_000)
        assert answer.status_code == 404 and isinstance(answer.parsed, Error)


STEPS = [
    "list_initiatives",
    "create_initiative",
    "plan_to_do_is_refused_until_the_gate_passes",
    "add_target_and_milestone",
    "plan_to_do_with_if_match",
    "post_measurements",
    "read_progress",
    "sync_with_updated_since",
    "sync_with_the_change_cursor",
    "a_page_past_the_end_is_a_documented_404",
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--team", type=int, required=True)
    parser.add_argument("--kpi", required=True)
    args = parser.parse_args()
    client = AuthenticatedClient(base_url=args.base_url, token=args.token, raise_on_unexpected_status=True)
    workflow = Workflow(client, team=args.team, kpi=args.kpi)
    started, passed, failed = time.monotonic(), 0, 0
    for name in STEPS:
        if failed:  # each step builds on the previous ones
            print(f"SKIPPED {name}")
            failed += 1
            continue
        try:
            getattr(workflow, name)()
        except Exception:  # any failure of a step is reported, then the run stops
            failed += 1
            print(f"FAILED {name}")
            traceback.print_exc()
        else:
            passed += 1
            print(f"PASSED {name}")
    print(f"==== {passed} passed, {failed} failed in {time.monotonic() - started:.2f}s ====")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
