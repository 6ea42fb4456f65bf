"""Reads template.yaml, the one source of truth for tables, the authorizer and the functions' settings.

PyYAML needs to be told about CloudFormation's short-form tags (!Ref, !Sub, ...); they load as their
long form ({"Ref": ...}, {"Fn::Sub": ...}). Values that only exist in AWS resolve to local stand-ins:
a resource's !Ref is its logical id (the local table is named after it), a parameter is its default.
The API's routes and CORS are read from SAM's translation instead (localdev/deployed_api.py); the
function settings here are merged with Globals as SAM merges them.
"""

from __future__ import annotations

import functools
import re
import shlex
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
LOCAL_REGION = "us-east-1"


class _CloudFormationLoader(yaml.SafeLoader):
    pass


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = tag_suffix if tag_suffix in ("Ref", "Condition") else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _construct_tag)


@functools.cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    return yaml.load(path.read_text(), Loader=_CloudFormationLoader)  # noqa: S506 - SafeLoader subclass


class Template:
    """The parts of template.yaml that local tools need, resolved with local stand-ins."""

    def __init__(self, document: dict[str, Any], overrides: dict[str, str] | None = None, path: Path = TEMPLATE_PATH):
        self.document = document
        self.path = path
        self.overrides = dict(overrides or {})
        self.resources: dict[str, Any] = document["Resources"]
        self.parameters = {name: str(spec.get("Default", "")) for name, spec in document.get("Parameters", {}).items()}
        self.parameters.update(self.overrides)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((name, argument),) = value.items()
            if name == "Ref":
                return self._ref(argument)
            if name == "Fn::Sub":
                return re.sub(r"\$\{([^}]+)\}", lambda m: str(self._ref(m.group(1))), argument)
            if name == "Fn::If":
                condition, when_true, when_false = argument
                return self.resolve(when_true if self.condition(condition) else when_false)
            if name == "Fn::Split":
                delimiter, text = argument
                return str(self.resolve(text)).split(delimiter)
            if name == "Fn::GetAtt":
                return f"{argument[0]}.{argument[1]}"
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        return value

    def failed_rules(self) -> list[str]:
        """Why CloudFormation would refuse a deploy with these parameters: a value outside a parameter's
        AllowedValues (CloudFormation validates them before it creates anything, "Parameters" in the
        template reference), and the AssertDescription of each Rule that fails."""
        parameters = self.document.get("Parameters", {})
        failed = [
            f"parameter {name}: {self.parameters[name]!r} is not one of {', '.join(map(str, spec['AllowedValues']))}"
            for name, spec in parameters.items()
            if "AllowedValues" in spec and self.parameters.get(name) not in map(str, spec["AllowedValues"])
        ]
        # AllowedPattern must match the whole value (CloudFormation's Parameters reference). CloudFormation
        # runs Java's regular expressions, whose \s is ASCII whitespace only: hence re.ASCII.
        failed += [
            f"parameter {name}: {self.parameters[name]!r} {' '.join(str(spec.get('ConstraintDescription', '')).split())}"
            for name, spec in parameters.items()
            if "AllowedPattern" in spec
            and not re.fullmatch(spec["AllowedPattern"], self.parameters.get(name, ""), re.ASCII)
        ]
        for rule in self.document.get("Rules", {}).values():
            if "RuleCondition" in rule and not self._evaluate(rule["RuleCondition"]):
                continue
            failed += [
                " ".join(str(check["AssertDescription"]).split())
                for check in rule["Assertions"]
                if not self._evaluate(check["Assert"])
            ]
        return failed

    def condition(self, name: str) -> bool:
        return bool(self._evaluate(self.document["Conditions"][name]))

    def _evaluate(self, expression: Any) -> Any:
        if isinstance(expression, dict):
            ((name, argument),) = expression.items()
            if name == "Fn::Equals":
                left, right = (self._evaluate(part) for part in argument)
                return str(left) == str(right)
            if name == "Fn::Not":
                return not self._evaluate(argument[0])
            if name == "Fn::And":
                return all(self._evaluate(part) for part in argument)
            if name == "Fn::Or":
                return any(self._evaluate(part) for part in argument)
            if name == "Condition":
                return self.condition(argument)
            if name == "Fn::Contains":  # a Rule's: is the value among the list's (a comma-delimited parameter)
                values, wanted = (self._evaluate(part) for part in argument)
                return wanted in (values.split(",") if isinstance(values, str) else values)
            return self.resolve(expression)
        return expression

    def _ref(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        if name == "AWS::Region":
            return LOCAL_REGION
        if name in ("AWS::NoValue",):
            return None
        if name.startswith("AWS::"):
            return "local"
        return name  # a resource: locally it is known by its logical id

    def tables(self) -> dict[str, dict[str, Any]]:
        return {
            name: self.resolve(self.resources[name]["Properties"]) for name in self._of_type("AWS::DynamoDB::Table")
        }

    def http_api(self) -> dict[str, Any]:
        (properties,) = [
            resource["Properties"]
            for resource in self.resources.values()
            if resource["Type"] == "AWS::Serverless::HttpApi"
        ]
        return properties

    def authorizer_scopes(self, authorizer: str | None = None) -> list[str]:
        """The scopes every route requires with this authorizer (the API's default one), conditions resolved."""
        auth = self.http_api().get("Auth", {})
        definition = auth.get("Authorizers", {}).get(authorizer or auth.get("DefaultAuthorizer"), {})
        return [scope for scope in self.resolve(definition.get("AuthorizationScopes", [])) if scope is not None]

    def functions(self) -> list[str]:
        return self._of_type("AWS::Serverless::Function")

    def _of_type(self, kind: str) -> list[str]:
        return [name for name, resource in self.resources.items() if resource["Type"] == kind]

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """The Globals' variables overlaid with the function's own, as SAM merges them."""
        shared = self._globals(logical_id).get("Environment", {}).get("Variables", {})
        own = self.resources[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
        return {name: str(self.resolve(value)) for name, value in {**shared, **own}.items()}

    def function_layers(self, logical_id: str) -> list[str]:
        """The logical ids of the function's layers, in order (its own list, else the Globals')."""
        return [str(self.resolve(layer)) for layer in self._function_setting(logical_id, "Layers") or []]

    def layer_content(self, logical_id: str) -> Path:
        return ROOT / self.resources[logical_id]["Properties"]["ContentUri"]

    def function_handler(self, logical_id: str) -> tuple[Path, str, str]:
        properties = self.resources[logical_id]["Properties"]
        module, _, attribute = properties["Handler"].rpartition(".")
        return ROOT / properties["CodeUri"], module, attribute

    def function_timeout(self, logical_id: str) -> int:
        return int(self.resolve(self._function_setting(logical_id, "Timeout")) or 3)  # Lambda's default: 3 s

    def function_memory(self, logical_id: str) -> int | None:
        memory = self.resolve(self._function_setting(logical_id, "MemorySize"))
        return int(memory) if memory else None

    def _function_setting(self, logical_id: str, name: str) -> Any:
        """The function's own property, else the template's Globals, as SAM merges them."""
        properties = self.resources[logical_id]["Properties"]
        return properties.get(name, self._globals(logical_id).get(name))

    def _globals(self, logical_id: str) -> dict[str, Any]:
        """The Globals that apply to the function: all but those its IgnoreGlobals names ("*": none)."""
        ignored = self.resources[logical_id].get("IgnoreGlobals", [])
        if ignored == "*":
            return {}
        return {
            name: value
            for name, value in self.document.get("Globals", {}).get("Function", {}).items()
            if name not in ignored
        }


def parameter_overrides(text: str) -> dict[str, str]:
    """`Name=value Other="a value"`, as sam's --parameter-overrides and samconfig.toml's parameter_overrides
    write them (a quoted value may hold spaces)."""
    pairs = [item.partition("=") for item in shlex.split(text)]
    return {name: value for name, _, value in pairs if name}


def local_template(overrides: dict[str, str] | None = None, path: Path = TEMPLATE_PATH) -> Template:
    """The template (template.yaml unless told), its parameters' defaults overlaid with `overrides`."""
    return Template(load_template(path), overrides, path)
