"""Train the learned reading: `python -m bot.classify.train [--cv]` (needs the `train` extra: numpy, scipy).

Data, all in the repository and none of it held out: the UN quad development split
(`tests/data/classify/un_quad/dev`, strict mapping, native en/es/ar and the real Google /
DeepL English) and the project's tuned and model-only sets (`trainingdata.PROJECT_KINDS`:
the en/es/ar originals and every item's fluent English). Never the held-out or blind sets.

Deterministic: fixed folds (by UN 100-row block or project item id, so no sentence is
ever scored by a model that saw one of its translations), full-batch L-BFGS, no sampling.
`--cv` prints out-of-fold figures and tunes the blend with the rules on them; the final
model is then fitted on everything and written, pruned and quantised, with the blend.
"""

from __future__ import annotations

import argparse
import json
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import minimize

from bot.classify.learned import WEIGHTS_FILE, LinearModel, bucket, features
from bot.classify.trainingdata import FOLDS, LABELS, Example, fold_of, load_examples, trained_on
from bot.classify.tune import DEFAULT_BLEND, tune_blend
from bot.evaluate import evaluate
from bot.model import Label

OUTPUT = Path(__file__).resolve().parent / "model" / WEIGHTS_FILE


def design_matrix(texts: Sequence[str], buckets: int) -> sparse.csr_matrix:
    """Rows as `LinearModel.read` sees them: 1/sqrt(#features) per feature, collisions summed."""
    indptr, indices, values = [0], [], []
    for text in texts:
        found = features(text)
        norm = 1.0 / np.sqrt(max(len(found), 1))
        indices.extend(bucket(feature, buckets) for feature in found)
        values.extend([norm] * len(found))
        indptr.append(len(indices))
    matrix = sparse.csr_matrix((values, indices, indptr), shape=(len(texts), buckets), dtype=np.float64)
    matrix.sum_duplicates()
    return matrix


def fit(
    matrix: sparse.csr_matrix, targets: np.ndarray, weights: np.ndarray, l2: float
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted multinomial logistic regression with an L2 penalty (bias not penalised)."""
    rows, columns = matrix.shape
    classes = len(LABELS)
    onehot = np.zeros((rows, classes))
    onehot[np.arange(rows), targets] = 1.0
    scale = weights / weights.sum()
    transposed = matrix.T.tocsr()

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        bias, coef = flat[:classes], flat[classes:].reshape(columns, classes)
        logits = matrix @ coef + bias
        logits -= logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=1, keepdims=True))
        log_probs = logits - log_norm
        value = -(scale * (onehot * log_probs).sum(axis=1)).sum() + 0.5 * l2 * (coef**2).sum()
        residual = (np.exp(log_probs) - onehot) * scale[:, None]
        gradient = np.concatenate([residual.sum(axis=0), (transposed @ residual + l2 * coef).ravel()])
        return value, gradient

    start = np.zeros(classes + columns * classes)
    result = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 400})
    return result.x[:classes], result.x[classes:].reshape(columns, classes)


def train(examples: Sequence[Example], buckets: int, l2: float) -> tuple[np.ndarray, np.ndarray]:
    matrix = design_matrix([e.text for e in examples], buckets)
    targets = np.array([LABELS.index(e.label) for e in examples])
    weights = np.array([e.weight for e in examples])
    # Balanced classes: macro-F1 counts the rare sides as much as the neutral bulk.
    counts = np.bincount(targets, weights=weights, minlength=len(LABELS))
    weights = weights * (counts.sum() / (len(LABELS) * counts))[targets]
    return fit(matrix, targets, weights, l2)


def prune(bias: np.ndarray, coef: np.ndarray, keep: int) -> tuple[list[float], dict[int, list[float]]]:
    """The `keep` buckets with the largest weight spread (centred per bucket: softmax ignores a shift)."""
    centred = coef - coef.mean(axis=1, keepdims=True)
    spread = np.abs(centred).max(axis=1)
    chosen = np.argsort(-spread, kind="stable")[:keep]
    chosen = chosen[spread[chosen] > 0]
    return [float(b) for b in bias], {int(i): [float(w) for w in centred[i]] for i in chosen}


def out_of_fold(examples: Sequence[Example], buckets: int, l2: float, keep: int) -> list[dict[str, float]]:
    """Each example's probabilities from the (pruned) model trained without its fold."""
    probabilities: list[dict[str, float]] = [{} for _ in examples]
    for fold in range(FOLDS):
        train_part = [e for e in examples if fold_of(e.group) != fold]
        bias, coef = train(train_part, buckets, l2)
        model = _as_model(*prune(bias, coef, keep), buckets)
        for position, example in enumerate(examples):
            if fold_of(example.group) == fold:
                reading = model.read(example.text)
                probabilities[position] = reading.probabilities if reading else {}
        print(f"  fold {fold + 1}/{FOLDS} done", flush=True)
    return probabilities


def cached_out_of_fold(
    examples: Sequence[Example], buckets: int, l2: float, keep: int, cache: Path | None
) -> list[dict[str, float]]:
    """`out_of_fold`, kept in `cache` (keyed by the settings) so re-tuning the blend is quick."""
    key = f"{buckets}/{l2}/{keep}/{len(examples)}/{zlib.crc32(''.join(e.text for e in examples).encode())}"
    if cache is not None and cache.is_file():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored["key"] == key:
            return stored["probabilities"]
    probabilities = out_of_fold(examples, buckets, l2, keep)
    if cache is not None:
        cache.write_text(json.dumps({"key": key, "probabilities": probabilities}), encoding="utf-8")
    return probabilities


def _as_model(bias: list[float], rows: dict[int, list[float]], buckets: int) -> LinearModel:
    return LinearModel(LABELS, bias, {index: tuple(row) for index, row in rows.items()}, buckets)


def report_cv(examples: Sequence[Example], probabilities: Sequence[dict[str, float]]) -> None:
    for source in sorted({e.source for e in examples}):
        chosen = [(e, p) for e, p in zip(examples, probabilities, strict=True) if e.source == source]
        gold = [(e.label, ()) for e, _ in chosen]
        guessed = [max(p, key=p.get) if p else Label.NEUTRAL.value for _, p in chosen]
        print(f"  {source:<14} model alone, out of fold: macro-F1 {evaluate(gold, guessed).macro_f1:.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.classify.train", description=__doc__.split("\n")[0])
    parser.add_argument("--cv", action="store_true", help="print out-of-fold figures before the final fit")
    parser.add_argument("--buckets", type=int, default=2**20, help="hashed feature space")
    parser.add_argument("--l2", type=float, default=1e-4, help="L2 penalty")
    parser.add_argument("--keep", type=int, default=200_000, help="buckets kept after pruning")
    parser.add_argument("--project-weight", type=float, default=3.0, help="weight of a project dev item")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--cache", type=Path, help="keep the out-of-fold probabilities here (with --cv)")
    args = parser.parse_args(argv)
    examples = load_examples(args.project_weight)
    print(f"{len(examples)} training examples")
    info: dict[str, object] = {
        "trained_on": trained_on(),
        "l2": args.l2,
        "examples": len(examples),
        "blend": DEFAULT_BLEND,
    }
    bias, coef = train(examples, args.buckets, args.l2)
    bias_list, rows = prune(bias, coef, args.keep)
    if args.cv:
        probabilities = cached_out_of_fold(examples, args.buckets, args.l2, args.keep, args.cache)
        report_cv(examples, probabilities)
        info["blend"] = tune_blend(examples, probabilities)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    LinearModel.dump(args.output, LABELS, bias_list, rows, args.buckets, info)
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes, {len(rows)} buckets)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
