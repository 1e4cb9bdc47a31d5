"""Variables of a dataset."""

from __future__ import annotations

from api.deps import DatasetDep, VariableDep
from api.responses import problem_responses
from api.routing import API_V1, PrefixedRouter
from catalog.errors import DatasetNotFound, DatasetUnavailable, VariableNotFound
from catalog.metadata import describe_variable, variable_list
from schemas.datasets import Variable, VariableList

router = PrefixedRouter(prefix=API_V1, tags=["Datasets"])


@router.get(
    "/datasets/{dataset_id}/variables",
    operation_id="listVariables",
    name="listVariables",
    summary="List variables",
    response_model=VariableList,
    responses=problem_responses(DatasetNotFound, DatasetUnavailable),
)
def list_variables(dataset: DatasetDep) -> VariableList:
    """The variables a dataset serves, with units, axes and vector pairs."""
    return variable_list(dataset)


@router.get(
    "/datasets/{dataset_id}/variables/{variable_id}",
    operation_id="getVariable",
    name="getVariable",
    summary="Describe a variable",
    response_model=Variable,
    responses=problem_responses(DatasetNotFound, VariableNotFound, DatasetUnavailable),
)
def get_variable(variable: VariableDep) -> Variable:
    """One variable: names, UDUNITS units, dimensions, grid kind, axes, range, vector partner."""
    return describe_variable(variable)
