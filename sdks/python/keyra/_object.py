"""Responses are plain dicts that also allow attribute access, in camelCase or snake_case."""

import re
from typing import Any

_SNAKE = re.compile(r"_([a-z0-9])")


def snake_to_camel(name: str) -> str:
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


class KeyraObject(dict):
    """A ``dict`` (``obj["expiresAt"]``) that also reads as ``obj.expires_at`` / ``obj.expiresAt``."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name in self:
            return self[name]
        camel = snake_to_camel(name)
        if camel in self:
            return self[camel]
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")


def to_object(value: Any) -> Any:
    if isinstance(value, dict):
        return KeyraObject((k, to_object(v)) for k, v in value.items())
    if isinstance(value, list):
        return [to_object(v) for v in value]
    return value
