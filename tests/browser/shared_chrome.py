"""axe-core findings that come from the site's shared chrome (stage badge colours, the charts'
toolbar) rather than from the page under test: those are fixed once, in base.html, site.css and
charts.js. Page tests assert everything else; the accessibility suite asserts these too."""

import re

# (rule, what every node it flags must match)
SHARED_CHROME = [
    ("color-contrast", re.compile(r"\.badge-stage\b")),
    ("nested-interactive", re.compile(r"^#chart-")),
]


def page_violations(session) -> list[str]:
    """The open page's serious and critical violations, less those of the shared chrome."""
    own = []
    for line in session.accessibility_violations():
        rule, targets = re.search(r" (serious|critical) ([\w-]+): .* -> (.*)$", line).group(2, 3)
        shared = any(
            rule == known and all(pattern.search(t.strip()) for t in targets.split(";"))
            for known, pattern in SHARED_CHROME
        )
        if not shared:
            own.append(line)
    return own


def assert_page_accessible(session) -> None:
    violations = page_violations(session)
    assert not violations, "axe-core violations:\n" + "\n".join(violations)
