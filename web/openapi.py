"""The OpenAPI 3 description of the JSON API (served at /api/openapi.json, validated in the tests)."""

_facet_param = lambda name, what: {
    "name": name, "in": "query", "required": False, "style": "form", "explode": True,
    "description": f"Only articles with this {what}; repeat for any of several (OR).",
    "schema": {"type": "array", "items": {"type": "string"}}}

_error = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_str_list = {"type": "array", "items": {"type": "string"}}

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "casearch API", "version": "1.0.0",
             "description": "Search a newsroom's archive: ranked results, multi-select facets, timeline."},
    "paths": {
        "/api/search": {"get": {
            "summary": "Ranked search with facet filters",
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"},
                 "description": 'Words, "phrases", -exclude, OR, (), title:, author:, prefix*, "a b"~5.'},
                _facet_param("country", "country"), _facet_param("person", "person"), _facet_param("topic", "topic"),
                _facet_param("source", "source (publication or site)"),
                {"name": "author", "in": "query", "schema": {"type": "string"}},
                {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["relevance", "newest", "oldest"]}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                {"name": "explain", "in": "query", "schema": {"type": "integer", "enum": [0, 1]}},
                {"name": "timeline_by", "in": "query", "description": "Split the timeline: one series per value "
                 "(the selected ones, else the 8 most frequent).",
                 "schema": {"type": "string", "enum": ["country", "person", "topic", "source"]}},
                {"name": "fold", "in": "query", "description": "0 lists near-copies as results of their own.",
                 "schema": {"type": "integer", "enum": [0, 1]}},
            ],
            "responses": {"200": {"description": "Results", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/SearchResults"}}}},
                "400": _error, "503": _error}}},
        "/api/articles/{id}": {"get": {
            "summary": "One article with its body and similar articles",
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "The article", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Article"}}}}, "404": _error, "503": _error}}},
        "/api/entities/{facet}/{name}": {"get": {
            "summary": "The dossier of a person, country, topic or source",
            "parameters": [{"name": "facet", "in": "path", "required": True,
                            "schema": {"type": "string", "enum": ["person", "country", "topic", "source"]}},
                           {"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                            "description": "As typed: case and spelling variants resolve to the value."}],
            "responses": {"200": {"description": "The dossier", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Dossier"}}}}, "404": _error, "503": _error}}},
        "/api/stats": {"get": {"summary": "Index statistics", "responses": {
            "200": {"description": "Statistics", "content": {"application/json": {"schema": {"type": "object"}}}},
            "503": _error}}},
        "/api/openapi.json": {"get": {"summary": "This description", "responses": {
            "200": {"description": "OpenAPI 3 document", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
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
