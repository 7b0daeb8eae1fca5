import pytest

from reports.pagecache import PAGES
from reports.rowcache import ROWS


@pytest.fixture(autouse=True)
def _fresh_row_cache():
    # Rolled-back test transactions can hand a new snapshot an id used in an earlier test;
    # the per-process row cache must not remember that one.
    ROWS.clear()
    PAGES.clear()
    yield
    ROWS.clear()
    PAGES.clear()
