"""``kefu intent predict|train|eval|build-default``: message understanding on JSON Lines.

``predict`` is a contract used by external evaluation (docs/intent.md): one output line
per input line, in order, every input field kept; a bad line is reported by number on
stderr and nothing at all is written to stdout. Thin: the work lives in
``kefu.understanding``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from kefu.cli_data import fail
from kefu.errors import DomainError

app = typer.Typer(
    help="Message understanding: intent, emotion colour and entities of shopper messages.",
    no_args_is_help=True,
)


@app.command("predict")
def predict_command(
    model: Path = typer.Option(
        None, "--model", metavar="DIR", help="A model from `kefu intent train` (default: 31 codes)."
    ),
) -> None:
    """Read JSON Lines with a "text" on stdin; write each object back with intent,
    confidence, emotion and entities added."""
    from kefu.understanding.default import default_model
    from kefu.understanding.jsonl import parse_lines
    from kefu.understanding.model import IntentModel
    from kefu.understanding.predict import understand

    try:
        rows = parse_lines(sys.stdin.buffer.read(), ["text"])
        classifier = IntentModel.load(model) if model is not None else default_model()
    except DomainError as exc:
        fail(exc.message)
    answers = understand(rows, classifier, default=model is None)
    out = "".join(json.dumps(answer, ensure_ascii=False) + "\n" for answer in answers)
    sys.stdout.buffer.write(out.encode("utf-8"))  # UTF-8 whatever the locale
    sys.stdout.flush()


@app.command("train")
def train_command(
    data: Path = typer.Option(..., "--data", metavar="FILE.jsonl", help="Labelled examples."),
    text_field: str = typer.Option("text", "--text-field", help="Field holding the message."),
    label_field: str = typer.Option("label", "--label-field", help="Field holding the label."),
    out: Path = typer.Option(..., "--out", metavar="DIR", help="Directory to save the model."),
) -> None:
    """Train a shop's own classifier on any label set and save it to DIR."""
    from kefu.understanding.jsonl import read_examples
    from kefu.understanding.model import IntentModel

    try:
        texts, labels = read_examples(data, text_field, label_field)
        trained = IntentModel.train(texts, labels)
        trained.save(out)
    except DomainError as exc:
        fail(exc.message)
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}")
    typer.echo(f"trained on {len(texts):,} examples, {len(trained.labels)} labels; saved to {out}")
    if trained.set_aside:
        typer.echo(
            f"set aside {trained.set_aside:,} examples whose label cross-validation "
            "confidently contradicts (likely mislabelled)"
        )


@app.command("eval")
def eval_command(
    model: Path = typer.Option(..., "--model", metavar="DIR", help="A trained model."),
    data: Path = typer.Option(..., "--data", metavar="FILE.jsonl", help="Labelled examples."),
    text_field: str = typer.Option("text", "--text-field", help="Field holding the message."),
    label_field: str = typer.Option("label", "--label-field", help="Field holding the label."),
) -> None:
    """Print accuracy and macro-F1 of a model on labelled examples."""
    from kefu.understanding.jsonl import read_examples
    from kefu.understanding.model import IntentModel, evaluate

    try:
        texts, labels = read_examples(data, text_field, label_field)
        scores = evaluate(IntentModel.load(model), texts, labels)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(f"accuracy {scores.accuracy:.4f}")
    typer.echo(f"macro_f1 {scores.macro_f1:.4f}")
    typer.echo(f"examples {scores.examples}")


@app.command("build-default")
def build_default_command(
    out: Path = typer.Option(
        None, "--out", metavar="DIR", help="Save here instead of the package's model cache."
    ),
) -> None:
    """Train the default 31-code model from the shipped examples (deterministic); without
    DIR also the emotion classifier, so the first ``predict`` trains nothing."""
    from kefu.understanding.default import EMOTIONS, build_default

    try:
        where = build_default(out)
        emotion = None if out is not None else EMOTIONS.build()
    except OSError as exc:
        fail(f"cannot write the model: {exc.strerror}")
    typer.echo(f"default intent model saved to {where}")
    if emotion is not None:
        typer.echo(f"emotion classifier saved to {emotion}")
