"""A newcomer's errors: a port in use, and a DynamoDB that is not there, each one line that says what to do."""

from __future__ import annotations

import os
import socket

import pytest

from localdev.endpoints import (
    PortInUse,
    claim_port,
    forget_running,
    record_running,
    running_api,
    running_dynamodb,
)


@pytest.fixture
def taken_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_a_port_in_use_is_one_line_naming_it_and_what_to_set(taken_port):
    with pytest.raises(PortInUse) as raised:
        claim_port(taken_port, "API", "PORT", "--port")
    assert str(raised.value) == (
        f"The API port {taken_port} is in use (another `make dev`?). Stop that program, or choose another "
        f"port: PORT={taken_port + 1} make dev, or --port {taken_port + 1}."
    )
    claim_port(0, "API", "PORT", "--port")  # 0: any free port, never taken


@pytest.mark.parametrize(
    ("flags", "named"), [(["--port"], "The API port"), (["--port", "0", "--dynamodb-port"], "The DynamoDB port")]
)
def test_serve_on_a_port_in_use_says_so_in_one_line_and_starts_nothing(taken_port, capsys, flags, named):
    from localdev.cli import main

    assert main(["serve", *flags, str(taken_port)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"{named} {taken_port} is in use") and "\n" not in error, error


def test_seed_course_finds_the_running_make_dev_and_says_what_to_set_when_none_answers(tmp_path, capsys, monkeypatch):
    from localdev.cli import main

    monkeypatch.delenv("DYNAMODB_PORT", raising=False)
    monkeypatch.setattr("localdev.endpoints.KEYS_DIR", tmp_path)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{unused.getsockname()[1]}"
    recorded = record_running("http://127.0.0.1:1", nobody)
    assert running_dynamodb() == nobody, "a running serve (this process) is found"
    assert main(["seed-course", "--id", "7", "--type", "structured"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"No DynamoDB answers at {nobody}. Start `make dev` first, or point at the one it runs: "
        "--endpoint http://127.0.0.1:PORT (or DYNAMODB_PORT=PORT)."
    )
    forget_running(recorded)
    assert running_dynamodb() is None


def test_a_serve_that_is_gone_is_not_found(tmp_path):
    record_running("http://127.0.0.1:1", "http://127.0.0.1:2", home=tmp_path)
    assert (running_api(home=tmp_path), running_dynamodb(home=tmp_path)) == ("http://127.0.0.1:1", "http://127.0.0.1:2")
    (tmp_path / "serve.json").write_text('{"pid": 2147483646, "api": "x", "dynamodb": "y"}')
    assert (running_api(home=tmp_path), running_dynamodb(home=tmp_path)) == (None, None)
    assert os.getpid() != 2147483646


def test_a_stopping_serve_leaves_another_serves_endpoints_alone(tmp_path):
    recorded = record_running("http://127.0.0.1:1", "http://127.0.0.1:2", home=tmp_path)
    recorded.write_text('{"pid": 1, "api": "x", "dynamodb": "y"}')  # another serve started since
    forget_running(recorded)
    assert recorded.exists()
