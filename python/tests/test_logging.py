"""The core's log records reach Python's logging under the logger "mppoint", without the token."""

from __future__ import annotations

import logging

import pytest

import mppoint


def test_requests_are_logged_without_the_token(
    sim: mppoint.Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    token = sim.access_token
    with caplog.at_level(logging.DEBUG, logger="mppoint"):
        mppoint.reset_logging_cache()  # logging levels changed at run time
        client = sim.client(retries=0)
        with pytest.raises(mppoint.NotFoundError):
            client.get_intent("no-such-intent")
        bad = mppoint.Client("APP_USR-not-the-token", base_url=sim.base_url, retries=0)
        with pytest.raises(mppoint.UnauthorizedError):
            bad.get_intent("x")
    records = [r for r in caplog.records if r.name.startswith("mppoint")]
    assert records, "no record reached the 'mppoint' logger"
    assert any("no-such-intent" in r.getMessage() and "404" in r.getMessage() for r in records)
    for r in caplog.records:
        assert token not in r.getMessage()
        assert "APP_USR-not-the-token" not in r.getMessage()


def test_records_are_off_when_the_logger_is_off(
    sim: mppoint.Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="mppoint"):
        mppoint.reset_logging_cache()
        sim.client(retries=0).list_devices()
    assert not [r for r in caplog.records if r.name.startswith("mppoint")]
