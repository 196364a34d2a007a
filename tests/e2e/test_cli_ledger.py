"""``tsunagu ledger`` at the command line: checkpoints and proofs as JSON, verify's exit
status naming what changed, and check-proof working with no database at all."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import interfaces.cli
from application.security import SYSTEM_ACTOR, Actor
from interfaces.bootstrap import Settings, bootstrap
from interfaces.cli import cli
from tests.builders import make_town

SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
"""An Ed25519 seed (RFC 8032's first test key): TSUNAGU_LEDGER_KEY as 64 hex digits."""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "TSUNAGU_SECRET_KEY": "test",
        "TSUNAGU_FAST_PASSWORDS": "1",
        "TSUNAGU_LEDGER_KEY": SEED,
    }
    built = bootstrap(
        Settings(database_url=environment["DATABASE_URL"], secret_key="t", fast_passwords=True)
    )
    try:
        make_town(built.services)
    finally:
        built.close()
    return environment


def tsunagu(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, input=stdin, catch_exceptions=False)


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _save(tmp_path: Path, name: str, document: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_checkpoint_prints_a_checkpoint_signed_with_the_configured_key(
    env: dict[str, str],
) -> None:
    checkpoint = _json(tsunagu(env, "ledger", "checkpoint"))
    key = tsunagu(env, "ledger", "public-key")

    assert checkpoint["format"] == "tsunagu-checkpoint/1"
    assert checkpoint["tree_size"] > 10
    # RFC 8032's first test vector: this seed's public key.
    assert "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" in key.stdout


def test_verify_exits_0_on_an_intact_log(env: dict[str, str]) -> None:
    tsunagu(env, "ledger", "checkpoint")

    result = tsunagu(env, "ledger", "verify")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("intact:")


def test_verify_exits_1_naming_the_position_of_an_altered_event(
    env: dict[str, str], tmp_path: Path
) -> None:
    kept = _save(tmp_path, "kept.json", _json(tsunagu(env, "ledger", "checkpoint")))
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        conn.execute("UPDATE stored_events SET state = ? WHERE rowid = 4", (b"{}",))

    result = tsunagu(env, "ledger", "verify", "--checkpoint", kept, "--json")

    assert result.exit_code == 1
    outcome = json.loads(result.stdout)
    assert (outcome["ok"], outcome["position"], outcome["kind"]) == (False, 4, "altered")


def test_a_proof_is_checked_with_no_database(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proof = _save(tmp_path, "proof.json", _json(tsunagu(env, "ledger", "prove", "5")))
    key = tmp_path / "key.pem"
    key.write_text(tsunagu(env, "ledger", "public-key").stdout, encoding="ascii")
    built: list[Any] = []
    monkeypatch.setattr(interfaces.cli, "create_app", lambda *a, **k: built.append(a))

    result = tsunagu({}, "ledger", "check-proof", proof, "--public-key", str(key))

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: event at position 5 ")
    assert built == []


def test_a_forged_proof_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    document = _json(tsunagu(env, "ledger", "prove", "5"))
    document["event"]["topic"] = "harmless"  # not covered: only the leaf is proven
    document["leaf"] = document["leaf"][:-4] + "AAAA"
    proof = _save(tmp_path, "forged.json", document)
    key = tsunagu(env, "ledger", "public-key").stdout

    result = tsunagu({}, "ledger", "check-proof", proof, "--public-key", key)

    assert result.exit_code == 1
    assert "INVALID" in result.output


def test_prove_consistency_with_a_kept_checkpoint(env: dict[str, str], tmp_path: Path) -> None:
    kept = _save(tmp_path, "kept.json", _json(tsunagu(env, "ledger", "checkpoint")))
    built = bootstrap(Settings.from_env(env, instance_path=str(tmp_path)))
    try:
        built.services.reference.create_area("east", "東地区", _system())
    finally:
        built.close()
    document = _json(tsunagu(env, "ledger", "prove-consistency", kept))
    key = tsunagu(env, "ledger", "public-key").stdout

    result = tsunagu(
        {}, "ledger", "check-proof", "-", "--public-key", key, stdin=json.dumps(document)
    )

    assert result.exit_code == 0, result.output
    assert "is a prefix" in result.stdout


def test_prove_names_a_position_not_in_the_log(env: dict[str, str]) -> None:
    result = tsunagu(env, "ledger", "prove", "99999")

    assert result.exit_code == 1
    assert "not found" in result.output


def _system() -> Actor:
    return SYSTEM_ACTOR
