"""Local development tools for the Course API: the local API (`serve`, what `make dev` runs), tokens,
courses in the local DynamoDB, and the OpenAPI description."""

# The spellings of these commands and flags are a contract: scripts, README.md and docs/ depend on them.

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import EndpointConnectionError

from localdev.dynamodb import (
    DEMO_COURSES,
    DEMO_STAFF,
    DynamoDBServer,
    course_staff,
    create_tables,
    dynamodb_client,
    put_course,
    seed_demo_courses,
)
from localdev.endpoints import (
    PortInUse,
    claim_port,
    forget_running,
    record_running,
    running_api,
    running_dynamodb,
)
from localdev.functions import CREATE_SECTION_FUNCTION as FUNCTION
from localdev.functions import import_path, roles_claim
from localdev.keys import KEYS_DIR, LOCAL_AUDIENCE, LOCAL_ISSUER, LocalKeys
from localdev.processes import READY_LINE
from localdev.template import TEMPLATE_PATH, Template, local_template, parameter_overrides

if TYPE_CHECKING:
    from localdev.deployed_api import DeployedApi

COURSE_TYPES = ("self-paced", "structured", "scheduled")


def _table_name() -> str:
    return local_template().function_environment(FUNCTION)["TABLE_NAME"]


def _default_dynamodb_endpoint() -> str:
    """DYNAMODB_PORT's, when set; else the running `make dev`'s; else the default port's."""
    if "DYNAMODB_PORT" in os.environ:
        return f"http://127.0.0.1:{os.environ['DYNAMODB_PORT']}"
    return running_dynamodb() or "http://127.0.0.1:8000"


def cmd_token(args: argparse.Namespace) -> int:
    token = LocalKeys().mint(
        sub=args.sub,
        groups=args.group,
        roles_claim=roles_claim(),
        expires_in=args.expires_in,
        audience=args.audience,
        issuer=args.issuer,
        scopes=[] if args.no_scope else args.scope or local_template().authorizer_scopes(),
    )
    print(token)
    return 0


def cmd_seed_course(args: argparse.Namespace) -> int:
    endpoint = args.endpoint or _default_dynamodb_endpoint()
    client = dynamodb_client(endpoint, attempts=2)
    name = args.name or f"Course {args.id}"
    try:
        staff = _seeded_staff(client, args) if args.manager or args.creator else None
        put_course(client, _table_name(), args.id, name=name, course_type=args.type, deleted=args.deleted, staff=staff)
    except EndpointConnectionError:
        print(
            f"No DynamoDB answers at {endpoint}. Start `make dev` first, or point at the one it runs: "
            "--endpoint http://127.0.0.1:PORT (or DYNAMODB_PORT=PORT).",
            file=sys.stderr,
        )
        return 2
    print(f"course {args.id} ({args.type}{', deleted' if args.deleted else ''}) is in {_table_name()}")
    if staff is not None:
        print("staff: " + ", ".join(f"{sub} ({role})" for sub, role in staff.items()))
    return 0


def _seeded_staff(client: Any, args: argparse.Namespace) -> dict[str, str]:
    """The managers given replace the course's managers; the creator is kept unless another is given,
    as the platform never removes one (docs/data-model.md)."""
    existing = course_staff(client, _table_name(), args.id)
    creators = [args.creator] if args.creator else [sub for sub, role in existing.items() if role == "creator"]
    return {**{sub: "manager" for sub in args.manager}, **{sub: "creator" for sub in creators}}


class _StopRequest:
    """Ctrl-C (SIGINT) or SIGTERM from now on; one that arrives during start-up stops cleanly after it.

    The handler only sets a plain attribute. A threading.Event would deadlock now and then: the
    handler runs in the main thread, which may hold the Event's lock (inside its own wait) at that
    very moment, and the lock is not reentrant. The process then ignored every further signal.
    """

    def __init__(self) -> None:
        self.requested = False
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._request)

    def _request(self, *_: Any) -> None:
        self.requested = True

    def wait(self) -> None:
        while not self.requested:
            time.sleep(0.2)  # a signal interrupts the sleep and runs the handler; the loop then ends


def start_dynamodb(port: int, host: str = "127.0.0.1") -> DynamoDBServer:
    server = DynamoDBServer(port=port, host=host).start()
    client = dynamodb_client(server.endpoint)
    create_tables(client, local_template())
    seed_demo_courses(client, _table_name())
    return server


def cmd_dynamodb(args: argparse.Namespace) -> int:
    try:
        claim_port(args.port, "DynamoDB", "DYNAMODB_PORT", "--port")
    except PortInUse as taken:
        print(taken, file=sys.stderr)
        return 2
    stop = _StopRequest()
    server = start_dynamodb(args.port)
    print(f"DynamoDB: {server.endpoint}\n{READY_LINE}", flush=True)
    stop.wait()
    server.stop()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from localdev.authorizer import JwtAuthorizer
    from localdev.deployed_api import TranslationFailed
    from localdev.functions import EMULATOR_PATH, HOST_LAYER_DIR, built_ready, built_runtime, source_runtime
    from localdev.gateway import LocalHttpApi, make_http_server
    from localdev.lambda_workers import WorkerPool

    if not EMULATOR_PATH.exists():
        print(f"{EMULATOR_PATH} is missing: run `make dev`, which installs it", file=sys.stderr)
        return 2
    if args.built and not built_ready():
        print("the built artifacts are missing: run `make dev-built`, which builds them", file=sys.stderr)
        return 2
    template = local_template(
        parameter_overrides(args.parameter_overrides), Path(args.template) if args.template else TEMPLATE_PATH
    )
    try:
        deployed = _deployable(template)
        claim_port(args.port, "API", "PORT", "--port")
        if not args.dynamodb_endpoint:
            claim_port(args.dynamodb_port, "DynamoDB", "DYNAMODB_PORT", "--dynamodb-port")
    except (TranslationFailed, RuleFailed, PortInUse) as refused:
        print(refused, file=sys.stderr)
        return 2
    stop = _StopRequest()
    dynamodb = None if args.dynamodb_endpoint else start_dynamodb(args.dynamodb_port)
    role_source = template.function_environment(FUNCTION).get("ROLE_SOURCE", "token")
    endpoint = args.dynamodb_endpoint or dynamodb.endpoint  # type: ignore[union-attr]
    keys = LocalKeys().ensure()

    def log(line: str) -> None:
        print(line, flush=True)

    def runtime(function: str) -> Any:
        if args.built:
            return built_runtime(template, function, endpoint, Path(args.layer_dir or HOST_LAYER_DIR))
        return source_runtime(template, function, endpoint)

    pools = {
        function: WorkerPool(EMULATOR_PATH, runtime(function), args.workers, log) for function in deployed.functions
    }
    api = LocalHttpApi(
        template,
        JwtAuthorizer.from_environment(keys),
        invoke=lambda function, event, wait: pools[function].invoke(event, wait),
        log=log,
        deployed=deployed,
    )
    http = make_http_server(api, "127.0.0.1", args.port)
    url = f"http://127.0.0.1:{http.server_address[1]}"
    threading.Thread(target=http.serve_forever, name="http-api", daemon=True).start()
    running = record_running(url, endpoint)
    print(_banner(url, endpoint, keys, api.authorizer.issuer, built=args.built, role_source=role_source), flush=True)
    stop.wait()
    print("stopping", flush=True)
    forget_running(running)
    http.shutdown()
    http.server_close()
    for pool in pools.values():
        pool.stop()
    if dynamodb:
        dynamodb.stop()
    print("stopped", flush=True)
    return 0


class RuleFailed(Exception):
    """A Rule of the template fails with these parameters: CloudFormation would refuse the deploy."""


def _deployable(template: Template) -> DeployedApi:
    """The API as deployed, unless CloudFormation or SAM would refuse the template with these parameters."""
    from localdev.deployed_api import deployed_api  # imports the shared code: after main() set the path

    failed = template.failed_rules()
    if failed:
        raise RuleFailed("\n".join(f"template rule: {refusal}" for refusal in failed))
    return deployed_api(template)


def _banner(
    url: str,
    dynamodb_endpoint: str,
    keys: LocalKeys,
    issuer: str,
    built: bool = False,
    role_source: str = "token",
    sam_local: bool = False,
) -> str:
    (banner_sub,) = DEMO_STAFF
    token = keys.mint(
        sub=banner_sub,
        groups=["course:1:manager"],
        roles_claim=roles_claim(),
        scopes=local_template().authorizer_scopes(),
    )
    local_keys = issuer == LOCAL_ISSUER
    curl = (
        f"export TOKEN={token}\n"
        f"curl -i -X POST {url}/api/v2/course/1/section/ \\\n"
        '  -H "Authorization: Bearer $TOKEN" \\\n'
        "  -H 'Content-Type: application/json' \\\n"
        """  -d '{"name": "Getting started", "lessons_order": [1, 2]}'"""
    )
    if sam_local:
        served = [
            f"Local API:  {url}  (`sam local start-api`; the functions check tokens as the JWT authorizer does)",
            "Functions:  what `sam build` ships, in SAM CLI's Lambda containers (the first request to each starts one)",
        ]
    else:
        served = [
            f"Local API:  {url}  (routes, authorizers and CORS as `sam deploy` translates template.yaml)",
            "Functions:  "
            + ("what `sam build` ships (.aws-sam/build), on the bare python3.13" if built else "the source tree"),
        ]
    lines = [
        *served,
        f"DynamoDB:   {dynamodb_endpoint}  (in memory: data lasts as long as this process)",
        "Courses:    "
        + ", ".join(f"{course_id} {'deleted' if deleted else kind}" for course_id, _, kind, deleted in DEMO_COURSES),
        f"Tokens:     {'local development keys in .localdev/' if local_keys else 'issuer ' + issuer}",
        "",
        "Create a section in course 1 (the token is valid for 1 hour; docs/local-development.md shows every operation):",
        "",
        curl,
        "",
        *_roles_hint(role_source),
        READY_LINE,
    ]
    return "\n".join(lines)


def _roles_hint(role_source: str) -> list[str]:
    if role_source == "table":
        return [
            f"Roles:      from each course item's staff (RoleSource=table): {next(iter(DEMO_STAFF))} manages 1, 2 and 3;",
            "            a change takes effect on the next request, whatever the token:",
            "            .venv/bin/python -m localdev seed-course --id 2 --type structured --manager alice",
        ]
    return [
        "Roles:      from the token's groups (RoleSource=token); a group removed from a user keeps",
        "            working until that user's token expires (Cognito: 1 hour by default).",
        "More tokens: .venv/bin/python -m localdev token --sub alice --group course:2:creator",
    ]


def cmd_sam_env(args: argparse.Namespace) -> int:
    """The env-vars file for `sam local start-api` (what `make sam-local` writes), on stdout."""
    from localdev.sam_local import sam_environment

    template = local_template(parameter_overrides(args.parameter_overrides))
    endpoint = args.endpoint or _default_dynamodb_endpoint()
    environments = sam_environment(template, endpoint, LocalKeys().ensure().jwks, LOCAL_ISSUER, LOCAL_AUDIENCE)
    print(json.dumps(environments, indent=2))
    return 0


def cmd_sam_local(args: argparse.Namespace) -> int:
    """`make sam-local`: the embedded DynamoDB where SAM CLI's containers reach it, then `sam local start-api`."""
    from localdev.deployed_api import deployed_api
    from localdev.sam_local import (
        CONTAINER_HOST_NAME,
        NoDocker,
        SamLocal,
        docker_engine,
        free_port,
        sam_command,
        sam_environment,
        say,
        store_address,
        warm_up,
    )

    try:
        engine = docker_engine()
        if args.check_docker:
            return 0
        store = store_address(engine)
        claim_port(args.port, "API", "PORT", "--port")
        claim_port(args.dynamodb_port, "DynamoDB", "DYNAMODB_PORT", "--dynamodb-port")
    except (NoDocker, PortInUse) as refused:
        say(str(refused))
        return 2
    template = local_template(parameter_overrides(args.parameter_overrides))
    built = Path(args.built_template or ".missing")
    if not built.exists():
        say(f"{built} is missing: `make sam-local` builds it")
        return 2
    stop = _StopRequest()
    dynamodb = start_dynamodb(args.dynamodb_port, host=store or "127.0.0.1")
    port = args.port or free_port()
    store_port = dynamodb.endpoint.rsplit(":", 1)[1]
    keys = LocalKeys().ensure()
    env_file = KEYS_DIR / "sam-env.json"
    env_file.write_text(
        json.dumps(
            sam_environment(
                template, f"http://{CONTAINER_HOST_NAME}:{store_port}", keys.jwks, LOCAL_ISSUER, LOCAL_AUDIENCE
            ),
            indent=2,
        )
    )
    sam = SamLocal(sam_command(args.sam, built, env_file, port, store, args.parameter_overrides))
    try:
        if not sam.wait_listening(port, timeout=300, stopped=lambda: stop.requested):
            say("`sam local start-api` did not start: its output is above")
            return 1
        url = f"http://127.0.0.1:{port}"
        print("Starting each function's container (under qemu, arm64 takes a while) ...", flush=True)
        never = warm_up(url, deployed_api(template).routes, timeout=180)
        if never:
            say(f"{', '.join(never)} never answered under `sam local`: SAM CLI's output is above")
            return 1
        running = record_running(url, dynamodb.endpoint)
        role_source = template.function_environment(FUNCTION).get("ROLE_SOURCE", "token")
        print(_banner(url, dynamodb.endpoint, keys, LOCAL_ISSUER, role_source=role_source, sam_local=True), flush=True)
        while not stop.requested and not sam.exited:
            time.sleep(0.2)
        forget_running(running)
    finally:
        print("stopping", flush=True)
        sam.stop()
        dynamodb.stop()
        print("stopped", flush=True)
    return 0


def cmd_editor(args: argparse.Namespace) -> int:
    """The platform's course editor for the demo courses with a release column, against the running `make dev`."""
    from localdev.editor import EditorMissing, build_page, page_url, serve_directory

    api = args.api or running_api()
    if not api:
        print(
            "No `make dev` is running: start it in another terminal first, or name the API: --api URL", file=sys.stderr
        )
        return 2
    try:
        claim_port(args.port, "editor page", "EDITOR_PORT", "--port")
        page = build_page(KEYS_DIR / "editor-page")
    except (PortInUse, EditorMissing) as refused:
        print(refused, file=sys.stderr)
        return 2
    courses = [(course_id, name, kind) for course_id, name, kind, deleted in DEMO_COURSES if kind != "self-paced"]
    keys = LocalKeys().ensure()
    (editor_sub,) = DEMO_STAFF  # a manager of the demo courses, whichever RoleSource the API has
    token = keys.mint(
        sub=editor_sub,
        groups=[f"course:{course_id}:manager" for course_id, _, _ in courses],
        roles_claim=roles_claim(),
        scopes=local_template().authorizer_scopes(),
    )
    stop = _StopRequest()
    with serve_directory(page, args.port) as served:
        # The template's default CorsAllowedOrigins is http://localhost:5173: the page's origin by default.
        origin = served.replace("127.0.0.1", "localhost")
        print(f"The platform's course editor (EditCourse) against {api}, as a manager (token valid for 1 hour):\n")
        for course_id, name, kind in courses:
            url = page_url(origin, api=api, token=token, course_id=course_id, course_type=kind, name=name)
            print(f"{kind:<11} {url}\n")
        print(f"The API must allow the origin {origin} (CorsAllowedOrigins; `make dev` does by default).")
        print(READY_LINE, flush=True)
        stop.wait()
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m localdev", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="the local HTTP API and embedded DynamoDB (what `make dev` runs)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve.add_argument("--dynamodb-port", type=int, default=int(os.environ.get("DYNAMODB_PORT", "8000")))
    serve.add_argument("--dynamodb-endpoint", help="use this DynamoDB instead of starting the embedded one")
    serve.add_argument("--workers", type=int, default=4, help="execution environments per function at most")
    serve.add_argument("--built", action="store_true", help="run what `sam build` ships (`make dev-built`)")
    serve.add_argument("--layer-dir", help="with --built: the layer's python/ folder to use instead")
    serve.add_argument(
        "--template", help="serve this SAM template instead of template.yaml (code paths stay the project's)"
    )
    serve.add_argument(
        "--parameter-overrides", default="", help="template parameters, as sam's: 'AdminGroup=admins RolesClaim=groups'"
    )
    serve.set_defaults(run=cmd_serve)

    token = commands.add_parser("token", help="print a token signed with the local development key")
    token.add_argument("--sub", required=True)
    token.add_argument("--group", action="append", default=[], help="repeat for more groups")
    token.add_argument("--expires-in", type=int, default=3600, help="seconds; negative makes an expired token")
    token.add_argument("--audience", default=LOCAL_AUDIENCE)
    token.add_argument("--issuer", default=LOCAL_ISSUER)
    token.add_argument("--scope", action="append", help="repeat for more; default: what the routes require")
    token.add_argument("--no-scope", action="store_true", help="no scope claim, like a Cognito ID token")
    token.set_defaults(run=cmd_token)

    seed = commands.add_parser("seed-course", help="add or replace a course in the running local DynamoDB")
    seed.add_argument("--id", type=int, required=True)
    seed.add_argument("--type", choices=COURSE_TYPES, required=True)
    seed.add_argument("--deleted", action="store_true")
    seed.add_argument(
        "--manager",
        action="append",
        default=[],
        help="a manager's token subject (sub); repeat for more (RoleSource=table)",
    )
    seed.add_argument("--creator", help="the creator's token subject (sub); kept when not given (RoleSource=table)")
    seed.add_argument("--name")
    seed.add_argument("--endpoint", help="default: http://127.0.0.1:$DYNAMODB_PORT (8000)")
    seed.set_defaults(run=cmd_seed_course)

    dynamodb = commands.add_parser("dynamodb", help="only the embedded DynamoDB, seeded")
    dynamodb.add_argument("--port", type=int, default=int(os.environ.get("DYNAMODB_PORT", "8000")))
    dynamodb.set_defaults(run=cmd_dynamodb)

    sam_env = commands.add_parser("sam-env", help="env-vars JSON for `sam local start-api`")
    sam_env.add_argument("--endpoint")
    sam_env.add_argument("--parameter-overrides", default="")
    sam_env.set_defaults(run=cmd_sam_env)

    sam_local = commands.add_parser("sam-local", help="`sam local start-api` on Docker (what `make sam-local` runs)")
    sam_local.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    sam_local.add_argument("--dynamodb-port", type=int, default=int(os.environ.get("DYNAMODB_PORT", "8000")))
    sam_local.add_argument("--sam", default="sam", help="the sam executable")
    sam_local.add_argument("--built-template", help="the template the sam-local build wrote (make sam-local passes it)")
    sam_local.add_argument("--check-docker", action="store_true", help="only say whether a Docker engine answers")
    sam_local.add_argument("--parameter-overrides", default="", help="template parameters, as sam's")
    sam_local.set_defaults(run=cmd_sam_local)

    editor = commands.add_parser("editor", help="the platform's course editor against the running `make dev`")
    editor.add_argument("--port", type=int, default=int(os.environ.get("EDITOR_PORT", "5173")))
    editor.add_argument("--api", help="the local API's URL; default: the running `make dev`'s")
    editor.set_defaults(run=cmd_editor)

    return root


def main(argv: list[str] | None = None) -> int:
    sys.path[:0] = [str(folder) for folder in import_path()]
    args: Any = parser().parse_args(argv)
    return int(args.run(args))
