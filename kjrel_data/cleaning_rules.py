"""cleaning_rules.toml as read: the rules of the extract and clean stages, with their parameters."""

import functools
import tomllib
from importlib import resources
from typing import Any


@functools.cache
def rules_file() -> dict[str, Any]:
    """The parsed cleaning_rules.toml shipped with the package."""
    text = resources.files("kjrel_data").joinpath("cleaning_rules.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def rule_parameter(rule_name: str, name: str) -> Any:
    """A parameter of the named rule: its own, or one of [parameters] shared by every rule."""
    rule = next(rule for rule in rules_file()["rule"] if rule["name"] == rule_name)
    own = rule.get("parameters", {})
    return own[name] if name in own else rules_file()["parameters"][name]
