"""``tsunagu ledger``: signed checkpoints, verification and proofs of the event log
(docs/audit.md)."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from application.ledger import Checkpoint, LedgerError, check_proof, load_json
from interfaces.bootstrap import Container, public_key
from interfaces.cli.common import container, friendly_errors

ledger_group = AppGroup(
    "ledger",
    help="Tamper evidence: a Merkle tree over the event log, signed checkpoints, proofs.\n\n"
    "An auditor keeps checkpoints and the public key outside the system; 'verify' "
    "recomputes the tree from the log and names the first event that differs; "
    "'check-proof' needs no database. See docs/audit.md.",
)

FOLLOW_EVERY = 5.0
"""Seconds between the ledger's passes in a server that runs no projection worker."""
PROGRESS_AFTER = 1.0
"""Seconds a verification runs before it reports progress on stderr (then every second)."""


log = logging.getLogger(__name__)


def follow_ledger(built: Container, every: float = FOLLOW_EVERY) -> Callable[[], None]:
    """Extend and sign the ledger in a daemon thread of a server process.

    With inline views (the default: no projection worker runs) nothing else
    would sign checkpoints every N events or M minutes. Several server processes
    may each run one: leaves and checkpoints are appended once whoever comes first.
    Returns a function that stops the thread and waits for it.
    """
    stop = threading.Event()
    if not built.settings.inline_projections:
        return stop.set  # the projection worker does it

    def run() -> None:
        while not stop.wait(every):
            try:
                built.ledger.catch_up()
            except Exception:
                log.exception("the ledger could not catch up; again in %.0f s", every)

    thread = threading.Thread(target=run, name="tsunagu-ledger", daemon=True)
    thread.start()

    def stopped() -> None:
        stop.set()
        thread.join()

    return stopped


def _print_json(document: Any) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _read_json(path: str) -> Any:
    try:
        return load_json(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise click.ClickException(f"cannot read {path}: {error.strerror}") from None


@ledger_group.command("public-key")
def public_key_command() -> None:
    """Print the public key that checks the checkpoints' signatures (PEM).

    Give it to auditors once, through another channel than the proofs: with it
    they check any checkpoint or proof offline. The private key stays in
    TSUNAGU_LEDGER_KEY or instance/ledger_key.pem (created 0600 when first needed).
    """
    with friendly_errors():
        key = container().ledger.public_key()
    click.echo(key.pem().rstrip())
    click.echo(f"key id: {key.key_id}", err=True)


@ledger_group.command("checkpoint")
def checkpoint_command() -> None:
    """Sign a checkpoint of the log as it is now and print it as JSON.

    Keep the output outside the system (mail it, print it, store it elsewhere):
    'verify --checkpoint FILE' and 'prove-consistency FILE' later show that
    nothing it covers has changed since.
    """
    with friendly_errors():
        checkpoint = container().ledger.checkpoint()
    _print_json(checkpoint.to_json())


@ledger_group.command("verify")
@click.option(
    "--checkpoint",
    "files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A checkpoint kept outside the system (JSON from 'ledger checkpoint'); repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify_command(files: tuple[str, ...], as_json: bool) -> None:
    """Recompute the Merkle tree from the event log and compare it with every kept
    leaf and signed checkpoint (and the given ones).

    Streams the log in bounded memory; progress on stderr for long runs. Exit
    status 0 when intact; 1 otherwise, naming the first position that differs and
    whether an event was altered, removed, inserted or reordered (or a
    checkpoint does not match).
    """
    with friendly_errors():
        external = [Checkpoint.from_json(_read_json(path)) for path in files]
        built = container()
        result = built.ledger.verify(external, progress=_progress(), actor="cli")
    if as_json:
        _print_json(result.to_json())
    else:
        click.echo(result.describe())
    if not result.ok:
        sys.exit(1)


def _progress() -> Any:
    started = time.monotonic()
    said = [started]

    def update(done: int, head: int) -> None:
        now = time.monotonic()
        if now - started >= PROGRESS_AFTER and now - said[0] >= 1.0:
            said[0] = now
            rate = done / (now - started)
            click.echo(f"verified {done} of {head} events ({rate:,.0f}/s)", err=True)

    return update


@ledger_group.command("prove")
@click.argument("position", type=click.IntRange(min=1))
def prove_command(position: int) -> None:
    """Print an inclusion proof of the event at POSITION (its place in the log, as
    the audit log shows it) with the signed checkpoint it is proven against (JSON).

    Anyone with the public key checks it offline: 'ledger check-proof FILE
    --public-key KEY'.
    """
    with friendly_errors():
        document = container().ledger.prove(position)
    _print_json(document)


@ledger_group.command("prove-consistency")
@click.argument("old", type=click.Path(exists=True, dir_okay=False))
def prove_consistency_command(old: str) -> None:
    """Print a proof that the log still begins with what the checkpoint OLD (a JSON
    file kept earlier) signed: nothing was changed, removed or inserted before it."""
    with friendly_errors():
        checkpoint = Checkpoint.from_json(_read_json(old))
        document = container().ledger.prove_consistency(checkpoint)
    _print_json(document)


@ledger_group.command("check-proof", with_appcontext=False)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--public-key",
    "key",
    required=True,
    help="The public key: a PEM file (from 'ledger public-key'), or the key itself "
    "as PEM, hex or base64.",
)
def check_proof_command(file: str, key: str) -> None:
    """Check an inclusion proof, a consistency proof or a checkpoint (FILE, JSON; '-'
    for stdin) with only the public key. Needs no database and no tsunagu instance.

    Exit status 0 and what it proves when it holds; 1 and why when it does not.
    """
    text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    try:
        candidate = Path(key)
        key_text = candidate.read_text(encoding="ascii") if candidate.is_file() else key
    except OSError:
        key_text = key
    try:
        proven = check_proof(load_json(text), public_key(key_text))
    except LedgerError as error:
        click.echo(f"INVALID: {error}", err=True)
        sys.exit(1)
    click.echo(f"OK: {proven}")
