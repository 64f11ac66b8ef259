from datetime import datetime, timezone
from unittest.mock import patch

from authx._internal._utils import is_yesterday


def test_is_yesterday_compares_against_days_ago():
    fixed = datetime(2020, 1, 1, tzinfo=timezone.utc)
    patch("authx._internal._utils.days_ago", return_value=fixed).start()
    assert is_yesterday(datetime(2020, 1, 1, 8, 0, 0, tzinfo=timezone.utc)) is True
    assert is_yesterday(datetime(2020, 1, 2, 8, 0, 0, tzinfo=timezone.utc)) is False
