"""GOVHOOK_JOBS: the default for --jobs (a CI job that shares its cores sets it)."""

from __future__ import annotations

import pytest

from hook.cli.parallel import default_jobs
from hook.core.errors import InputError


def test_govhook_jobs_sets_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN GOVHOOK_JOBS=3 WHEN the default is asked THEN it is 3
    monkeypatch.setenv("GOVHOOK_JOBS", "3")
    assert default_jobs() == 3


@pytest.mark.parametrize("bad", ["0", "-1", "two", "1.5"])
def test_a_bad_govhook_jobs_is_an_input_error_naming_it(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    # GIVEN a value that is not a whole number of at least 1
    monkeypatch.setenv("GOVHOOK_JOBS", bad)
    # THEN the user is told which setting and what it must be
    with pytest.raises(InputError, match="GOVHOOK_JOBS"):
        default_jobs()


def test_unset_means_the_cores_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVHOOK_JOBS", raising=False)
    assert default_jobs() >= 1


def test_small_runs_stay_in_one_process() -> None:
    from hook.cli.parallel import MIN_FILES, MIN_SAM_FILES, should_fork

    # one job or one file: never a pool
    assert not should_fork(1, 1000, 1000)
    assert not should_fork(8, 1, 1)
    # below both thresholds (measured in bench/README.md): in this process
    assert not should_fork(2, MIN_FILES - 1, MIN_SAM_FILES - 1)
    # from either threshold: a pool
    assert should_fork(2, MIN_FILES, 0)
    assert should_fork(2, MIN_SAM_FILES, MIN_SAM_FILES)
