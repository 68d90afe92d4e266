"""What a seeded bench database holds: the two sizes, the bench's own callers, the shape of the data."""

from dataclasses import dataclass

RANDOM_SEED = 8
SEGMENTS = ["", "chat", "phone", "email", "EMEA"]
KPI_COUNT = 30
TEAMS = 50
# The bench's own callers; bench.run signs in with these.
ADMIN_EMAIL = "bench-admin@example.com"
LEAD_EMAIL = "bench-lead@example.com"
BENCH_EXPERIMENT_NAME = "Bench: 1,000,000 observations"
PASSWORD = "bench-password-not-secret"
MILESTONES_PER_INITIATIVE = 15
PLAN_DAYS = 90
PORTFOLIO_YEARS = 5


@dataclass(frozen=True)
class Size:
    name: str
    initiatives: int
    measurements: int
    users_per_team: int
    experiments: int

    @property
    def milestones(self) -> int:
        return self.initiatives * MILESTONES_PER_INITIATIVE


SIZES = {
    "large": Size("large", initiatives=10_000, measurements=1_000_000, users_per_team=10, experiments=500),
    "small": Size("small", initiatives=1_000, measurements=100_000, users_per_team=2, experiments=50),
}
