import logging

from authx._internal._logger import get_logger, log_info, set_log_level


def test_set_log_level_silences_info(caplog):
    set_log_level(logging.ERROR)
    log_info("Info message")
    assert get_logger().getEffectiveLevel() == logging.ERROR
    assert "Info message" not in caplog.text
