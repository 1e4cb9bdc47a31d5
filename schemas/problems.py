"""RFC 9457 problem details, the body of every error response."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class InvalidParam(BaseModel):
    """One request parameter that was rejected, and why."""

    name: str = Field(description="Parameter name as sent by the client.", examples=["limit"])
    reason: str = Field(
        description="What was wrong and what would be valid.",
        examples=["must be an integer between 1 and 10000"],
    )
    location: str = Field(
        default="query", description="Where the parameter was: query, path or header."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "limit", "reason": "must be >= 1", "location": "query"}]
        }
    )


class Problem(BaseModel):
    """An RFC 9457 problem: the body of every error response (application/problem+json)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "/problems/dataset-not-found",
                    "title": "Dataset not found",
                    "status": 404,
                    "detail": "No dataset 'ersst'. Valid ids: ersst-v5, glorys, wcofs, giops, "
                    "glorys-mesh.",
                    "instance": "/api/v1/datasets/ersst",
                    "valid_values": ["ersst-v5", "glorys", "wcofs", "giops", "glorys-mesh"],
                }
            ]
        },
        extra="allow",
    )

    type: str = Field(
        description="URI reference naming the problem type; GET it for a description.",
        examples=["/problems/invalid-parameters"],
    )
    title: str = Field(description="Short summary of the problem type.")
    status: int = Field(description="HTTP status code.", ge=400, le=599)
    detail: str = Field(description="What went wrong with this request, for a person.")
    instance: str = Field(description="The path of the request that failed.")
    request_id: str | None = Field(
        default=None, description="The request id (X-Request-ID), to quote in a bug report."
    )
    invalid_params: list[InvalidParam] | None = Field(
        default=None, description="For 400s: each rejected parameter and why."
    )
    valid_values: list[str] | None = Field(
        default=None,
        description="For 404s of named things: the valid names, when few; for 406s: the "
        "media types the endpoint answers in.",
    )


class ProblemType(BaseModel):
    """Description of a problem type, served at its `type` URI."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "/problems/dataset-not-found",
                    "title": "Dataset not found",
                    "status": 404,
                    "description": "The dataset id is not in the catalog. GET /api/v1/datasets "
                    "lists the ids.",
                }
            ]
        }
    )

    type: str = Field(description="The URI reference problems carry in `type`.")
    title: str = Field(description="Short summary.")
    status: int = Field(description="HTTP status it comes with.")
    description: str = Field(description="What it means and what to do about it.")
