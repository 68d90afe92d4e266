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
IDEAS_PER_INITIATIVE = 5
COMMENTS_PER_INITIATIVE = 20
PLAN_DAYS = 90
PORTFOLIO_YEARS = 5


@dataclass(frozen=True)
class Size:
    name: str
    initiatives: int
    measurements: int
    users_per_team: int
    experiments: int
    # KPIs seeded (× 5 segments = the daily series the measurements fill).
    kpis: int = KPI_COUNT

    @property
    def milestones(self) -> int:
        return self.initiatives * MILESTONES_PER_INITIATIVE

    @property
    def ideas(self) -> int:
        return self.initiatives * IDEAS_PER_INITIATIVE

    @property
    def comments(self) -> int:
        return self.initiatives * COMMENTS_PER_INITIATIVE


SIZES = {
    "large": Size("large", initiatives=10_000, measurements=1_000_000, users_per_team=10, experiments=500),
    "small": Size("small", initiatives=1_000, measurements=100_000, users_per_team=2, experiments=50),
    # 10× large. Ten times the KPIs rather than ten times the days: the series keep large's 18 years
    # (6,667 days), as a bigger organisation would, instead of reaching back 182 years. Seed time not
    # measured yet (docs/performance.md); run it on a PostgreSQL server of its own.
    "xlarge": Size(
        "xlarge",
        initiatives=100_000,
        measurements=10_000_000,
        users_per_team=100,
        experiments=5_000,
        kpis=300,
    ),
}
