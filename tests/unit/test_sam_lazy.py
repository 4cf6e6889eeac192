"""hook.cli.adapters.sam_lazy: a module loaded by the piece gives what the module imported whole gives."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Optional, Union

import pytest

from hook.cli.adapters import sam_lazy

MODELS = '''from __future__ import annotations

from typing import Union

from samtranslator.internal.schema_source.common import BaseModel, SamIntrinsicable, get_prop

STEM = "sam-property-function-capacityproviderconfig"
config = get_prop(STEM)
unused = get_prop("sam-resource-function")


class Config(BaseModel):
    Arn: SamIntrinsicable[str] = config("Arn")
    Ratio: SamIntrinsicable[Union[int, float]] | None = config("ExecutionEnvironmentMemoryGiBPerVCpu")


class Other(BaseModel):
    Name: str = unused("Handler")


class Holder(BaseModel):
    Inner: Config | None = None


class Unused1(BaseModel):
    A: str = unused("Runtime")


class Unused2(BaseModel):
    B: Unused1 | None = None


Alias1 = Unused1 | None
Alias2 = Unused2 | None
Alias3 = list[Unused1]
'''

USER = '''from typing import Optional, Union

import {models} as models


class Macro:
    def build(self, model: models.Config, more: Optional[dict[str, models.Other]] = None) -> models.Holder | None:
        return None

    def pick(self, x: Union[models.Config, models.Other], y: list[models.Holder]) -> None:
        return None
'''


def _module(tmp_path: Path, name: str, source: str) -> Any:
    path = tmp_path / f"{name}.py"
    path.write_text(source)
    return importlib.util.spec_from_file_location(name, path)


@pytest.fixture()
def names(tmp_path: Path) -> Iterator[dict[str, str]]:
    made: list[str] = []

    def register(name: str) -> str:
        made.append(name)
        return name

    yield {"whole": register("govhook_test_models_whole"), "pieces": register("govhook_test_models_pieces"),
           "user": register("govhook_test_user")}
    for name in made:
        sys.modules.pop(name, None)


def _whole(tmp_path: Path, name: str) -> Any:
    spec = _module(tmp_path, name, MODELS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _pieces(tmp_path: Path, name: str, source: str = MODELS) -> Any:
    module = sam_lazy.piece_module(_module(tmp_path, name, source), scope="govhook_test_")
    sys.modules[name] = module
    return module



def _same_validation(whole: Any, pieced: Any, values: tuple[Any, ...]) -> None:
    """The piece-loaded model accepts and rejects each value as the whole module's does, with the
    same data or the same error."""
    for value in values:
        outcome = []
        for cls in (whole, pieced):
            try:
                outcome.append(cls.parse_obj(value).dict())
            except Exception as exc:
                outcome.append(f"{type(exc).__name__}: {exc}")
        assert outcome[0] == outcome[1], value

def test_reading_one_model_runs_only_what_it_needs_and_validates_as_the_whole_module(
        tmp_path: Path, names: dict[str, str]) -> None:
    # GIVEN the same pydantic models imported whole and as a piece-loaded module
    whole = _whole(tmp_path, names["whole"])
    pieces = _pieces(tmp_path, names["pieces"])
    # WHEN one model is read
    model = pieces.Config
    # THEN only its statements ran (not the unused models nor their field helpers)
    assert "Other" not in pieces.__dict__ and "unused" not in pieces.__dict__ and "Holder" not in pieces.__dict__
    assert pieces.__dict__["annotations"] is whole.annotations  # the __future__ import binds it, as an import does
    # AND it accepts and rejects what the whole module's model does, with the same errors
    _same_validation(whole.Config, model, ({"Arn": "arn:x"}, {"Arn": {"Ref": "P"}, "Ratio": 2.5},
                                            {"Arn": "a", "Ratio": "x"}, {}, {"Arn": 1, "No": 2}))
    assert model.schema() == whole.Config.schema()
    # AND a later read runs what is left, each statement once (Config is not built again)
    assert pieces.Holder.__fields__["Inner"].type_ is model
    assert pieces.Config is model
    with pytest.raises(AttributeError):
        pieces.Missing  # noqa: B018
    assert not hasattr(pieces, "__path__")


def test_a_module_with_a_statement_of_another_kind_runs_whole(tmp_path: Path, names: dict[str, str]) -> None:
    # GIVEN a module whose top level changes a model after defining it
    pieces = _pieces(tmp_path, names["pieces"], MODELS + "\nOther.__doc__ = 'changed'\n")
    # WHEN a model is read THEN the whole module ran, as an import runs it
    assert pieces.Config is not None
    assert pieces.Other.__doc__ == "changed" and "unused" in pieces.__dict__


def test_placeholders_in_annotations_become_the_real_models_on_first_use(tmp_path: Path, names: dict[str, str]) -> None:
    # GIVEN a module that reads models only in its methods' annotations, imported while the
    # models module defers (the way samtranslator's sam_resources is imported)
    pieces = _pieces(tmp_path, names["pieces"])
    sys.modules[names["pieces"]] = pieces
    user_spec = _module(tmp_path, names["user"], USER.format(models=names["pieces"]))
    user = importlib.util.module_from_spec(user_spec)
    sys.modules[names["user"]] = user
    sam_lazy.deferring([pieces])
    user_spec.loader.exec_module(user)
    sam_lazy.end_deferring([pieces])
    # THEN nothing of the models module ran
    assert "Config" not in pieces.__dict__
    # WHEN the models module is first used
    assert pieces.Config.__name__ == "Config"
    # THEN the annotations hold the real models, as a normal import's would
    assert user.Macro.build.__annotations__ == {
        "model": pieces.Config, "more": Optional[dict[str, pieces.Other]],  # noqa: UP045  (as the source wrote it)
        "return": pieces.Holder | None}
    assert user.Macro.pick.__annotations__ == {"x": Union[pieces.Config, pieces.Other],  # noqa: UP007
                                                "y": list[pieces.Holder],
                                                "return": None}


def test_a_placeholder_outside_annotations_is_resolved_when_deferring_ends(tmp_path: Path, names: dict[str, str]) -> None:
    # GIVEN a module that uses a model as a default value while the models module defers
    pieces = _pieces(tmp_path, names["pieces"])
    source = f"import {names['pieces']} as models\n\ndef f(kind=models.Config):\n    return kind\n"
    spec = _module(tmp_path, names["user"], source)
    user = importlib.util.module_from_spec(spec)
    sys.modules[names["user"]] = user
    sam_lazy.deferring([pieces])
    spec.loader.exec_module(user)
    # WHEN deferring ends THEN the default is the real model at once
    sam_lazy.end_deferring([pieces])
    assert user.f() is pieces.__dict__["Config"]
    assert isinstance(user.f(), type) and not isinstance(user.f(), sam_lazy._Deferred)


def test_samtranslator_function_models_read_for_a_capacity_provider_match_the_whole_module(
        names: dict[str, str]) -> None:
    # GIVEN samtranslator's AWS::Serverless::Function models, piece-loaded and imported whole
    real = importlib.util.find_spec("samtranslator.internal.schema_source.aws_serverless_function")
    assert real is not None and real.origin is not None
    spec = importlib.util.spec_from_file_location(names["pieces"], real.origin)
    pieces = sam_lazy.piece_module(spec)
    sys.modules[names["pieces"]] = pieces
    import samtranslator.internal.schema_source.aws_serverless_function as whole

    # WHEN the model samtranslator reads for a CapacityProviderConfig is read
    model = pieces.CapacityProviderConfig
    # THEN only a few of the module's statements ran, and it validates as the whole module's does
    state = pieces.__dict__["_govhook_pieces"]
    assert len(state.done) < 10 < len(state.statements)
    _same_validation(whole.CapacityProviderConfig, model, (
        {"Arn": "arn:aws:lambda:us-east-1:1:capacity-provider:c"},
        {"Arn": {"Fn::GetAtt": ["C", "Arn"]}, "PerExecutionEnvironmentMaxConcurrency": 4,
         "ExecutionEnvironmentMemoryGiBPerVCpu": 2.0},
        {"PerExecutionEnvironmentMaxConcurrency": "x"}, {"Arn": "a", "Extra": 1}, []))
    assert model.schema() == whole.CapacityProviderConfig.schema()
    assert isinstance(pieces, types.ModuleType)
