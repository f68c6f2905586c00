"""The dashboard's query layer, one module per area: parameterised SQL, aggregation in
ClickHouse, and the viewer's scope applied in every query (`scope_filter`)."""

from __future__ import annotations

from typing import Any

from dashboard.scope import Scope


def scope_filter(scope: Scope, params: dict[str, Any], column: str = "province") -> str:
    """A WHERE term confining rows to the viewer's provinces, bound as a parameter."""
    if scope.provinces is None:
        return "1"
    params["scope"] = sorted(scope.provinces)
    return f"{column} IN {{scope:Array(String)}}"
