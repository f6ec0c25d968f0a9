"""Fixtures shared by the tests: one real PostgreSQL server for the whole run (started on first
use), a fresh database on it for each test that asks."""

from __future__ import annotations

import pytest

from postgres_server import new_database, running_postgres


@pytest.fixture(scope="session")
def postgres_server():
    with running_postgres() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server):
    return new_database(postgres_server)
