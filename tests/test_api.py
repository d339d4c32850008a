"""The public Python API: every exported name resolves and is documented."""

from __future__ import annotations

import inspect

import geoasset


def test_every_public_name_resolves_and_has_a_docstring():
    for name in geoasset.__all__:
        value = getattr(geoasset, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert inspect.getdoc(value), f"geoasset.{name} has no docstring"


def test_public_functions_take_options_by_keyword():
    for name in ("import_layer", "build_corridors", "assess", "field_map", "run_pipeline"):
        signature = inspect.signature(getattr(geoasset, name))
        keyword_only = [
            p for p in signature.parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY
        ]
        assert keyword_only, name


def test_unknown_name_is_an_attribute_error():
    try:
        geoasset.no_such_function  # noqa: B018
    except AttributeError as exc:
        assert "no_such_function" in str(exc)
    else:
        raise AssertionError("expected AttributeError")
