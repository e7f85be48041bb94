"""The project's YAML as dbt reads it: a key written twice in one mapping
is a definition dbt drops without an error (a second `data_tests:` of a
model replaced its first, and the first list's tests never ran)."""

from __future__ import annotations

import pytest
import yaml

from conftest import ROOT

pytestmark = pytest.mark.unit

# What dbt writes in the host project (its build, its installed packages)
# is not the project's YAML.
WRITTEN_BY_DBT = {"target", "dbt_packages", "logs"}
FILES = sorted(p for folder in ("models", "macros", "seeds", "tests", "integration_tests")
               if (ROOT / folder).is_dir()
               for p in (ROOT / folder).rglob("*.yml")
               if not WRITTEN_BY_DBT & set(p.relative_to(ROOT).parts)) + [ROOT / "dbt_project.yml"]


class _UniqueKeyLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} written twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_key_is_written_twice(path):
    yaml.load(path.read_text(), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
