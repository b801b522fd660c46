from __future__ import annotations

import pytest
from pydantic import ValidationError

from sports_api.core.config import DataSource, Settings


def test_defaults_serve_demo_data_without_a_key() -> None:
    settings = Settings(_env_file=None)
    assert settings.effective_source is DataSource.DEMO
    assert settings.problems() == []
    assert settings.serpapi_timeout_seconds < 29  # API Gateway's integration limit


def test_key_from_environment_switches_to_live(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERPAPI_API_KEY", "abc")
    settings = Settings(_env_file=None)
    assert settings.effective_source is DataSource.SERPAPI
    assert settings.serpapi_api_key is not None
    assert settings.serpapi_api_key.get_secret_value() == "abc"


def test_seeds_variable_name_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPORTS_API_KEY", "seed-key")
    assert Settings(_env_file=None).effective_source is DataSource.SERPAPI


def test_blank_key_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERPAPI_API_KEY", "  ")
    assert Settings(_env_file=None).serpapi_api_key is None


def test_demo_can_be_forced_with_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERPAPI_API_KEY", "abc")
    monkeypatch.setenv("DATA_SOURCE", "demo")
    assert Settings(_env_file=None).effective_source is DataSource.DEMO


def test_live_without_a_key_is_a_reported_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_SOURCE", "serpapi")
    assert Settings(_env_file=None).problems() == ["DATA_SOURCE=serpapi but SERPAPI_API_KEY is not set"]


def test_key_never_appears_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERPAPI_API_KEY", "super-secret-value")
    settings = Settings(_env_file=None)
    assert "super-secret-value" not in repr(settings)
    assert "super-secret-value" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SERPAPI_TIMEOUT_SECONDS", "0"),
        ("SERPAPI_TIMEOUT_SECONDS", "60"),
        ("TTL_LIVE_SECONDS", "0"),
        ("TTL_IDLE_SECONDS", "0"),
        ("SERPAPI_TIME_ZONE", "Mars/Olympus_Mons"),
        ("SERPAPI_TIME_ZONE", "../../etc/passwd"),
        ("DATA_SOURCE", "scraping"),
        ("LOG_LEVEL", "LOUD"),
        ("PORT", "70000"),
    ],
)
def test_invalid_values_are_rejected(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_log_level_is_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert Settings(_env_file=None).log_level == "DEBUG"
