"""Runs every scenario of features/**/*.feature (step definitions: features/conftest.py)."""

from pytest_bdd import scenarios

scenarios("")
