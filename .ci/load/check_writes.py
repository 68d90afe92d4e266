"""Checks of the answers and the database: no 5xx, every accepted row stored once, one stage transition
per accepted move in an unbroken chain.
"""

from collections import Counter, defaultdict

from improvement.models import Initiative, StageTransition
from kpis.models import Measurement
from load.params import IDEMPOTENCY_IN_FLIGHT, SOURCE
from load.record import Call, Recorder


def check_calls(rec: Recorder, problems: list[str]) -> None:
    expected = {
        "read": {200, 304},
        "bulk": {200},
        "bulk retry": {200},
        "bulk twin": {200, 409},
        "correction": {200},
        "move": {201, 400, 409, 412},
        "twin move": {201, 400, 409, 412},
        "move retry": {201, 400, 409, 412},
    }
    for call in rec.calls:
        if call.status == 0 or call.status >= 500:
            problems.append(f"{call.method} {call.url} → {call.status or call.error}")
        elif call.status not in expected[call.kind] and not (
            call.kind.startswith("bulk") and call.status == 400
        ):
            problems.append(f"{call.kind} {call.method} {call.url} → unexpected {call.status}: {call.body}")


def check_measurements(rec: Recorder, problems: list[str]) -> dict:
    stored: Counter[tuple] = Counter()
    values = {}
    for code, segment, period, value in Measurement.objects.filter(source=SOURCE).values_list(
        "kpi__code", "segment", "period", "value"
    ):
        key = (code, segment, period.isoformat())
        stored[key] += 1
        values[key] = value
    # A row's writer owns it: the last accepted batch holding it (in send order) says its value.
    expected, refused, answers = {}, set(), []
    for batch in rec.batches:
        keys = {(r["kpi"], r["segment"], r["period"]): r["value"] for r in batch.rows}
        if not batch.valid:
            if any(c.status != 400 for c in batch.calls):
                answers.append(f"a batch with an unknown KPI was answered {[c.status for c in batch.calls]}")
            refused.update(keys)
            continue
        executed = [c for c in batch.calls if c.status == 200 and not c.replayed]
        if not executed:
            if all(0 < c.status < 500 for c in batch.calls):  # else reported already
                answers.append(f"a valid batch was refused: {[c.body for c in batch.calls]}")
            continue
        expected.update(keys)
        n = len(batch.rows)
        want = {"created": 0, "updated": n, "unchanged": 0} if batch.correction else {"created": n}
        if executed[0].body != {"created": 0, "updated": 0, "unchanged": 0, **want}:
            what = "corrected" if batch.correction else "new"
            answers.append(f"a batch of {n} {what} rows answered {executed[0].body}")
        if len(executed) > 1:
            answers.append(
                f"a {executed[1].kind} with the same Idempotency-Key ran again instead of replaying "
                f"{executed[0].body}: answered {executed[1].body}"
            )
        if any(c.replayed and c.body != executed[0].body for c in batch.calls):
            answers.append(f"a replay differs from the answer it replays: {executed[0].body}")
    for key, value in expected.items():
        if stored[key] != 1:
            problems.append(f"accepted row {key} is stored {stored[key]} times")
        elif values[key] != value:
            problems.append(
                f"row {key} holds {values[key]}, not {value} from the last batch accepted (a lost update)"
            )
    for key in refused:
        if stored[key]:
            problems.append(f"row {key} of a refused batch was stored")
    extra = set(stored) - set(expected)
    if extra:
        problems.append(f"{len(extra)} stored rows were never accepted, e.g. {sorted(extra)[:3]}")
    # The rows first: a lost or doubled row matters more than a wrong answer.
    problems.extend(answers)
    return {"rows accepted": len(expected), "rows refused": len(refused)}


def check_moves(rec: Recorder, before: dict, problems: list[str]) -> set[int]:
    accepted: dict[int, int] = {}  # transition id → initiative
    for move in rec.moves:
        first = move.calls[0]
        for call in move.calls:
            if call.status == 201:
                accepted.setdefault(call.body["id"], move.initiative)
            replayed = call.status == 201 and call.replayed and call.body == first.body
            if call.kind == "move retry" and first.status == 201 and not replayed:
                problems.append(f"a retry of an accepted move was not replayed: {call.status} {call.body}")
        if first.kind == "move" and first.replayed:
            problems.append(f"a first request was answered as a replay: {first.body}")
    fresh = [c for c in rec.calls if c.kind in ("move", "twin move", "move retry") and c.status == 201]
    replays = [c for c in fresh if c.replayed]
    if len(fresh) - len(replays) != len(accepted):
        problems.append(
            f"{len(fresh) - len(replays)} moves answered 201 but {len(accepted)} distinct transitions"
        )
    # Twins share one key: one runs; the other is told it is in flight, or gets the first's answer.
    by_round: dict[tuple, list[Call]] = defaultdict(list)
    for move in rec.moves:
        by_round[(move.initiative, move.round)] += [c for c in move.calls if c.kind == "twin move"]
    for (pk, r), pair in by_round.items():
        if len(pair) == 2 and any(c.status == 201 for c in pair):
            winner = next(c for c in pair if c.status == 201 and not c.replayed)
            other = pair[1] if pair[0] is winner else pair[0]
            in_flight = other.status == 409 and other.body.get("code") == IDEMPOTENCY_IN_FLIGHT
            if not (in_flight or (other.replayed and other.body == winner.body)):
                problems.append(
                    f"initiative {pk} round {r}: a concurrent retry with the same Idempotency-Key was "
                    f"run again ({other.status} {other.body.get('code')}) instead of replayed or refused"
                )
    stored = list(StageTransition.objects.filter(pk__gt=before["transition"]).order_by("pk"))
    if {t.pk for t in stored} != set(accepted):
        missing, extra = set(accepted) - {t.pk for t in stored}, {t.pk for t in stored} - set(accepted)
        problems.append(
            f"stage transitions: accepted but missing {missing}, stored but never accepted {extra}"
        )
    for pk, (stage, version) in before["initiatives"].items():
        chain = [t for t in stored if t.initiative_id == pk]
        for previous, transition in zip([None, *chain], chain, strict=False):
            source = previous.to_stage if previous else stage
            if transition.from_stage != source:
                problems.append(
                    f"initiative {pk}: transition {transition.pk} starts from {transition.from_stage}, "
                    f"but the stage was {source} (a lost update)"
                )
        now = Initiative.objects.get(pk=pk)
        if now.version != version + len(chain) or now.stage != (chain[-1].to_stage if chain else stage):
            problems.append(
                f"initiative {pk}: version {version}→{now.version}, stage {stage}→{now.stage} "
                f"after {len(chain)} transitions"
            )
    return set(accepted)
