"""A small JSON Schema (draft-04 subset) validator for the spec's own
schemas: type, enum, properties, required, items, additionalProperties,
pattern, minimum/maximum, minItems, oneOf/anyOf/allOf and $ref across the
files of schema/.  Enough for state-schema.json and features-schema.json."""

import json
import os
import re

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


class Schemas:
    def __init__(self, directory):
        self.dir = directory
        self.files = {}

    def load(self, name):
        if name not in self.files:
            with open(os.path.join(self.dir, name)) as f:
                self.files[name] = json.load(f)
        return self.files[name]

    def resolve(self, ref, current):
        file, _, pointer = ref.partition("#")
        file = file or current
        node = self.load(file)
        for part in [p for p in pointer.split("/") if p]:
            node = node[part]
        return node, file

    def validate(self, value, schema_file):
        """Returns a list of "path: problem" strings (empty when valid)."""
        errors = []
        self._check(value, self.load(schema_file), schema_file, "$", errors)
        return errors

    def _check(self, v, s, file, path, errors):
        if "$ref" in s:
            target, tfile = self.resolve(s["$ref"], file)
            self._check(v, target, tfile, path, errors)
            return
        t = s.get("type")
        if t is not None:
            names = t if isinstance(t, list) else [t]
            if not any(TYPES[n](v) for n in names):
                errors.append(f"{path}: expected {'/'.join(names)}, got {type(v).__name__}")
                return
        if "enum" in s and v not in s["enum"]:
            errors.append(f"{path}: {v!r} not one of {s['enum']}")
        if isinstance(v, str) and "pattern" in s and not re.search(s["pattern"], v):
            errors.append(f"{path}: {v!r} does not match {s['pattern']}")
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if "minimum" in s and v < s["minimum"]:
                errors.append(f"{path}: {v} < minimum {s['minimum']}")
            if "maximum" in s and v > s["maximum"]:
                errors.append(f"{path}: {v} > maximum {s['maximum']}")
        if isinstance(v, dict):
            for key in s.get("required", []):
                if key not in v:
                    errors.append(f"{path}: missing required {key!r}")
            props = s.get("properties", {})
            for key, val in v.items():
                if key in props:
                    self._check(val, props[key], file, f"{path}.{key}", errors)
                else:
                    matched = False
                    for pat, sub in s.get("patternProperties", {}).items():
                        if re.search(pat, key):
                            matched = True
                            self._check(val, sub, file, f"{path}.{key}", errors)
                    extra = s.get("additionalProperties", True)
                    if not matched and extra is False:
                        errors.append(f"{path}: unexpected property {key!r}")
                    elif not matched and isinstance(extra, dict):
                        self._check(val, extra, file, f"{path}.{key}", errors)
        if isinstance(v, list):
            if "minItems" in s and len(v) < s["minItems"]:
                errors.append(f"{path}: fewer than {s['minItems']} items")
            if isinstance(s.get("items"), dict):
                for i, item in enumerate(v):
                    self._check(item, s["items"], file, f"{path}[{i}]", errors)
        for sub in s.get("allOf", []):
            self._check(v, sub, file, path, errors)
        for key in ("anyOf", "oneOf"):
            if key in s:
                passing = 0
                for sub in s[key]:
                    e = []
                    self._check(v, sub, file, path, e)
                    passing += not e
                if passing == 0 or (key == "oneOf" and passing > 1):
                    errors.append(f"{path}: {passing} of {key} alternatives match")
