"""Every answer checked against the OpenAPI document: the status is documented for the route (an unknown
path is components/responses/NotFound, a known path with another method MethodNotAllowed), the content
type is one the answer documents, the body validates against its schema (JSON Schema 2020-12, the
document's own $refs), and every required header is there with a value of its schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlparse

import requests
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from harness import DASHBOARD_TOKEN, ROOT

DOCUMENT_PATH = ROOT / "Sources" / "Adapters" / "Dashboard" / "openapi.json"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
URI = "urn:clickunlock:openapi"


class ContractViolation(AssertionError):
    pass


class Contract:
    def __init__(self, document: dict | None = None):
        self.document = document if document is not None else json.loads(Path(DOCUMENT_PATH).read_text())
        resource = Resource.from_contents(self.document, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(URI, resource)
        self.routes = []
        for template, item in self.document["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            self.routes.append((re.compile(pattern), template, item))
        # Literal paths before templated ones (`/a/b` wins over `/a/{x}`).
        self.routes.sort(key=lambda route: route[1].count("{"))
        self.seen: set[tuple[str, str, int]] = set()

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            pointer = node["$ref"].lstrip("#/").split("/")
            node = self.document
            for part in pointer:
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def validator(self, schema: dict) -> Draft202012Validator:
        return Draft202012Validator(self._wrap(schema), registry=self.registry, format_checker=FormatChecker())

    def _wrap(self, schema: dict) -> dict:
        # $refs inside the document are relative ("#/components/..."): resolve them against the document.
        return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": URI + "/answer",
                "allOf": [_rebase(schema)]}

    def check_schema(self, schema: dict, value, where: str) -> None:
        errors = sorted(self.validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
        if errors:
            lines = [f"{where}: {len(errors)} schema violation(s):"]
            for error in errors[:10]:
                path = "/".join(str(p) for p in error.absolute_path) or "(root)"
                lines.append(f"  at {path}: {error.message}")
            raise ContractViolation("\n".join(lines))

    def route(self, path: str):
        for pattern, template, item in self.routes:
            if pattern.match(path):
                return template, item
        return None, None

    def check(self, response: requests.Response):
        """Validates `response`; its JSON body (or text) when it has one."""
        request = response.request
        method = request.method.lower()
        path = urlparse(request.url).path
        template, item = self.route(path)
        where = f"{request.method} {path} -> {response.status_code}"
        if template is None or method not in item:
            # An unknown path is 404, another method on a known path 405 (or, before routing, 401/429).
            label = "(unknown path)" if template is None else f"{template} (method {request.method})"
            names = {401: "Unauthorized", 429: "TooManyRequests",
                     404 if template is None else 405: "NotFound" if template is None else "MethodNotAllowed"}
            if response.status_code not in names:
                raise ContractViolation(f"{where}: {label} should answer one of {sorted(names)}; "
                                        f"body: {response.text[:300]}")
            answer = self.resolve({"$ref": f"#/components/responses/{names[response.status_code]}"})
        else:
            label = f"{method.upper()} {template}"
            responses = item[method]["responses"]
            key = str(response.status_code)
            if key not in responses:
                key = f"{key[0]}XX" if f"{key[0]}XX" in responses else "default"
            if key not in responses:
                raise ContractViolation(f"{where}: status {response.status_code} is not documented for {label} "
                                        f"(documented: {', '.join(responses)}); body: {response.text[:300]}")
            answer = self.resolve(responses[key])
        self.seen.add((label, request.method, response.status_code))
        for name, header in answer.get("headers", {}).items():
            header = self.resolve(header)
            value = response.headers.get(name)
            if value is None:
                if header.get("required"):
                    raise ContractViolation(f"{where}: required header {name} is missing")
                continue
            schema = self.resolve(header.get("schema", {}))
            parsed = value
            if schema.get("type") == "integer":
                if not re.fullmatch(r"-?[0-9]+", value):
                    raise ContractViolation(f"{where}: header {name}: {value!r} is not an integer")
                parsed = int(value)
            self.check_schema(schema, parsed, f"{where} header {name}")
        content = answer.get("content")
        if not content:
            if response.content:
                raise ContractViolation(f"{where}: documented without a body, but has {len(response.content)} bytes")
            return None
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media not in content:
            raise ContractViolation(f"{where}: Content-Type {media or '(none)'} is not documented "
                                    f"({', '.join(content)})")
        schema = content[media].get("schema", {})
        if media.endswith("json"):
            try:
                body = response.json()
            except ValueError as error:
                raise ContractViolation(f"{where}: the body is not JSON ({error}): {response.text[:200]}")
        else:
            body = response.text
        self.check_schema(schema, body, where)
        return body


def _rebase(node):
    """Copies `node` with "#/..." refs made absolute (into the document's URI)."""
    if isinstance(node, dict):
        return {key: (URI + value if key == "$ref" and isinstance(value, str) and value.startswith("#") else
                      _rebase(value)) for key, value in node.items()}
    if isinstance(node, list):
        return [_rebase(value) for value in node]
    return node


class Api:
    """The dashboard port, every answer checked against the contract."""

    def __init__(self, base_url: str, contract: Contract, token: str | None = DASHBOARD_TOKEN):
        self.base_url = base_url
        self.contract = contract
        self.token = token
        self.session = requests.Session()

    def request(self, method: str, path: str, *, token: str | None | bool = True, headers: dict | None = None,
                **kwargs) -> requests.Response:
        headers = dict(headers or {})
        token = self.token if token is True else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.session.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)
        response.body = self.contract.check(response)
        return response

    def get(self, path: str, params=None, **kwargs) -> requests.Response:
        return self.request("GET", path, params=params, **kwargs)

    def json(self, path: str, params=None, **kwargs):
        """GET that must answer 200 with JSON: the body."""
        response = self.get(path, params, **kwargs)
        assert response.status_code == 200, f"GET {path} {params}: {response.status_code} {response.text[:300]}"
        return response.body
