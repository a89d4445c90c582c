"""The OpenAPI 3 description of the JSON API, served at /api/openapi.json and checked against the running server
by schemathesis in the tests.

In: the app's Limits (the parameters' limits are the app's settings). Out: `spec(limits)`, the document: every
parameter with the rule web.params checks it by (web.params.schemas), every status an operation answers with
the one error shape, GET as the only method (any other is a 405 naming it in Allow). It does not serve itself.
"""
from search.query.request import Limits

from .params import MAX_Q_CHARS, MAX_Q_GIVEN, schemas

_ERRORS = {
    "400": "A bad parameter (the message names it).",
    "404": "No such article, person, country, topic or source.",
    "405": "Not GET: the Allow header names the methods.",
    "413": "A request body over 1 MB (a GET has none).",
    "414": "A query string longer than the server reads.",
    "503": "No index, or one that cannot be read (the message says which file and what to run).",
}
_ANY = ("405", "413", "414", "503")  # what any operation may answer besides its own
_DESCRIPTIONS = {
    "q": f'Words, "phrases", -exclude, OR, (), title:, author:, prefix*, "a b"~5; at most {MAX_Q_GIVEN:,} characters, '
         f"of which the first {MAX_Q_CHARS:,} are searched (cut at a word, with a notice).",
    "from": "Published on or after: YYYY-MM-DD, YYYY-MM (its first day) or YYYY; not after `to` (else 400).",
    "to": "Published on or before: YYYY-MM-DD, YYYY-MM (its last day) or YYYY.",
    "page": "Page of results; the page may start at the deepest result the server ranks (max_results_depth), "
            "no deeper (else 400).",
    "timeline_by": "Split the timeline: one series per value (the selected ones, else the 8 most frequent).",
    "fold": "0 (false, no, off) lists near-copies as results of their own.",
    "explain": "1 (true, yes, on) adds each hit's matched terms and score parts.",
}
_str_list = {"type": "array", "items": {"type": "string"}}


def _json(schema: dict, what: str) -> dict:
    return {"description": what, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _responses(ok: dict, *codes: str) -> dict:
    return {"200": ok, **{code: _json(_ref("Error"), _ERRORS[code]) for code in codes}}


def _param(name: str, schema: dict) -> dict:
    p = {"name": name, "in": "query", "required": False, "schema": schema}
    if schema.get("type") == "array":
        p.update(style="form", explode=True, description=f"Only articles with this {name}; repeat for any of several "
                                                         f"(OR).")
    if name in _DESCRIPTIONS:
        p["description"] = _DESCRIPTIONS[name]
    return p


def spec(limits: Limits) -> dict:
    """The OpenAPI document of the API within these limits."""
    search = {"get": {
        "summary": "Ranked search with facet filters",
        "description": "An empty value is the parameter left out; a parameter that takes one value, given twice, is "
                       "a 400. Unknown parameters are ignored.",
        "parameters": [_param(name, schema) for name, schema in schemas(limits).items()],
        "responses": _responses(_json(_ref("SearchResults"), "Results"), "400", *_ANY)}}
    return {**SPEC, "paths": {"/api/search": search, **SPEC["paths"]}}


SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "casearch API", "version": "1.0.0",
             "description": "Search a newsroom's archive: ranked results, multi-select facets, timeline. Every "
                            "operation is a GET; an error is {\"error\": {\"status\", \"message\"}}."},
    "paths": {
        "/api/articles/{id}": {"get": {
            "summary": "One article with its body and similar articles",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": _responses(_json(_ref("Article"), "The article"), "404", *_ANY)}},
        "/api/entities/{facet}/{name}": {"get": {
            "summary": "The dossier of a person, country, topic or source",
            "parameters": [{"name": "facet", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": ["person", "country", "topic", "source"]}},
                           {"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                            "example": "Kazakhstan",
                            "description": "As typed: case and spelling variants resolve to the value."}],
            "responses": _responses(_json(_ref("Dossier"), "The dossier"), "404", *_ANY)}},
        "/api/stats": {"get": {"summary": "Index statistics",
                               "responses": _responses(_json({"type": "object"}, "Statistics"), *_ANY)}},
        "/api/openapi.json": {"get": {"summary": "This description", "responses": _responses(
            _json({"type": "object"}, "OpenAPI 3 document"), "405", "413", "414")}},
    },
    "components": {"schemas": {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["status", "message"],
            "properties": {"status": {"type": "integer"}, "message": {"type": "string"}}}}},
        "Hit": {"type": "object", "required": ["id", "title", "date", "author", "url", "score", "snippet", "countries",
                                                "people", "topics"],
                "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                               "date": {"type": "string", "format": "date", "nullable": True},
                               "author": {"type": "string"}, "url": {"type": "string"}, "score": {"type": "number"},
                               "snippet": {"type": "string", "description": "HTML; only <mark> tags"},
                               "countries": _str_list, "people": _str_list, "topics": _str_list,
                               "source": {"type": "string"}, "group": {"type": "string", "nullable": True},
                               "copies": {"type": "array", "items": {"type": "object"}}}},
        "Dossier": {"type": "object", "required": ["facet", "value", "articles", "first_seen", "last_seen", "timeline",
                                                    "co_mentions", "spellings", "latest", "relevant"],
                    "properties": {"facet": {"type": "string"}, "value": {"type": "string"}, "asked": {"type": "string"},
                                   "articles": {"type": "integer"}, "shown": {"type": "integer"},
                                   "dated": {"type": "integer"}, "undated": {"type": "integer"},
                                   "first_seen": {"type": "string", "format": "date", "nullable": True},
                                   "last_seen": {"type": "string", "format": "date", "nullable": True},
                                   "timeline": {"type": "array", "items": {"type": "object"}},
                                   "co_mentions": {"type": "object"}, "spellings": {"type": "array",
                                                                                     "items": {"type": "object"}},
                                   "latest": {"type": "array", "items": {"type": "object"}},
                                   "relevant": {"type": "array", "items": {"type": "object"}}}},
        "FacetValue": {"type": "object", "required": ["value", "count", "selected"], "properties": {
            "value": {"type": "string"}, "count": {"type": "integer"}, "selected": {"type": "boolean"}}},
        "SearchResults": {"type": "object", "required": ["query", "total", "page", "per_page", "results", "facets",
                                                          "timeline", "suggestion"],
                          "properties": {
                              "query": {"type": "object"}, "total": {"type": "integer"}, "page": {"type": "integer"},
                              "per_page": {"type": "integer"},
                              "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                              "facets": {"type": "object", "additionalProperties": {
                                  "type": "array", "items": {"$ref": "#/components/schemas/FacetValue"}}},
                              "timeline": {"type": "array", "items": {"type": "object", "properties": {
                                  "period": {"type": "string"}, "count": {"type": "integer"}}}},
                              "undated": {"type": "integer"}, "shown": {"type": "integer"},
                              "series": {"type": "array", "items": {"type": "object"}},
                              "suggestion": {"type": "string", "nullable": True}}},
        "Article": {"type": "object", "required": ["id", "title", "date", "author", "url", "countries", "people",
                                                    "topics", "body", "truncated", "similar"],
                    "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                   "date": {"type": "string", "format": "date", "nullable": True},
                                   "author": {"type": "string"}, "url": {"type": "string"},
                                   "countries": _str_list, "people": _str_list, "topics": _str_list,
                                   "body": {"type": "string"}, "truncated": {"type": "boolean"},
                                   "source": {"type": "string"},
                                   "similar": {"type": "array", "items": {"type": "object", "properties": {
                                       "id": {"type": "string"}, "title": {"type": "string"}}}}}},
    }},
}
