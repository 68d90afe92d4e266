"""The full-sync cases: every initiative pulled through the change cursor, or through an
``updated_since`` read, in pages of 100.

A lossless mirror starts with a full walk; its cost must grow linearly with the rows (10× the
initiatives ≤ ``TARGET_SYNC_RATIO``× the time), which keyset pages on (change marker, id) give and
page-number walks (O(offset) per page) do not.
"""

SYNC_PAGE = 100
TARGET_SYNC_RATIO = 12
# An ``updated_since`` read of every row: keyset pages, each page's cost independent of its depth.
SINCE_EVERYTHING = "2000-01-01T00:00:00Z"


def full_sync(client, *, resource: str = "initiatives", page_size: int = SYNC_PAGE) -> int:
    """Walk ``resource`` from an empty change cursor to ``complete``; the number of rows served."""
    url = f"/api/v1/{resource}/?change_cursor=&page_size={page_size}"
    served = 0
    while url:
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{response.status_code} from {url}: {response.content[:300]!r}")
        body = response.json()
        served += len(body["results"])
        url = body["next"]
    return served


def since_sync(client, *, resource: str = "initiatives", page_size: int = SYNC_PAGE) -> tuple[int, int, str]:
    """Walk ``resource``'s ``updated_since`` read (every row) by ``next``: (rows, pages, last page's URL)."""
    url = f"/api/v1/{resource}/?updated_since={SINCE_EVERYTHING}&page_size={page_size}"
    served = pages = 0
    last = url
    while url:
        response = client.get(url)
        if response.status_code != 200:
            raise AssertionError(f"{response.status_code} from {url}: {response.content[:300]!r}")
        body = response.json()
        served += len(body["results"])
        pages += 1
        last, url = url, body["next"]
    return served, pages, last


def sync_ratio(report: dict) -> float | None:
    """Full-sync median at the large size ÷ at the small size, when both ran."""
    sizes = report["sizes"]
    try:
        large = sizes["large"]["cases"]["api_initiatives_full_sync"]["median_ms"]
        small = sizes["small"]["cases"]["api_initiatives_full_sync"]["median_ms"]
    except KeyError:
        return None
    return round(large / small, 2)
