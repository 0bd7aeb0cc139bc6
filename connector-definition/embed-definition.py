#!/usr/bin/env python3
"""Copies apiDefinition.swagger.json into logicapps-customapi.json (variables.definition), and the brand colour.

Run after changing the definition: python3 embed-definition.py (the tests fail until the two agree).
"""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
template_path = HERE / "logicapps-customapi.json"
template = json.loads(template_path.read_text())
template["variables"]["definition"] = json.loads((HERE / "apiDefinition.swagger.json").read_text())
brand = json.loads((HERE / "apiProperties.json").read_text())["properties"]["iconBrandColor"]
for resource in template["resources"]:
    if resource["type"] == "Microsoft.Web/customApis":
        resource["properties"]["brandColor"] = brand
template_path.write_text(json.dumps(template, indent=2, ensure_ascii=False) + "\n")
print(f"{template_path.name}: definition embedded")
