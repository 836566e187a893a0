"""Auto's reasons, the time estimate, the hardware line and a run's device label as messages (issue 17, item 1).

English must print exactly what it printed before the sentences got catalogue keys (compared with the literal old
sentences); Chinese must leave no English word (tests.ui.i18n_check.english_words); every key made is in both
catalogues with the same placeholders.
"""

from __future__ import annotations

import pytest

from core import devices, i18n
from core.config import BUILTIN_MODEL, RunConfig
from core.i18n import Message
from core.train import estimate, recipe
from core.train.recipe import DataProfile, auto_recipe
from tests.ui.i18n_check import english_words

MODELS = [BUILTIN_MODEL, "roberta-base", "tiny-random-bert"]  # model ids are the user's data, as on the pages


def _profile(rows: int, classes: int, validation: int, p95: int) -> DataProfile:
    return DataProfile(rows, validation, classes, (p95,) * 100)


# What core printed before (literal sentences), with the inputs that make them.
OLD_REASONS = [
    (_profile(12_345, 77, 1_234, 60), BUILTIN_MODEL, "cpu", [
        "small model (all-MiniLM-L6-v2) → learning rate 1e-4",
        "77 classes → head learning rate ×20",
        "12,345 training texts, 77 classes → 3 epochs (2,316 steps; aim ≈685, at least 3 with over 20 classes)",
        "95% of texts fit in 60 tokens → max length 64",
        "warm-up over 6% of the steps (steadies the higher rates)",
        "3 epochs → no early stopping (too few to stop early; the last epoch is kept)"]),
    (_profile(8_000, 2, 12, 700), "roberta-base", "cuda", [
        "base-size or unknown model → learning rate 3e-5",
        "2 classes → head learning rate ×10",
        "8,000 training texts, 2 classes → 1 epoch (500 steps; aim ≈310)",
        "95% of texts fit in 700 tokens, more than the 512 worth their time on a cuda → max length 512",
        "warm-up over 6% of the steps (steadies the higher rates)",
        "only 12 validation texts → no early stopping (too noisy)"]),
    (_profile(300, 3, 50, 20), BUILTIN_MODEL, "mps", [
        "small model (all-MiniLM-L6-v2) → learning rate 1e-4",
        "3 classes → head learning rate ×10",
        "300 training texts, 3 classes → 8 epochs (152 steps; aim ≈315)",
        "95% of texts fit in 20 tokens → max length 32",
        "warm-up over 6% of the steps (steadies the higher rates)",
        "50 validation texts → keep the best epoch, stop after 2 without gain"]),
    (_profile(8_000, 2, 800, 100), BUILTIN_MODEL, "cpu", [
        "small model (all-MiniLM-L6-v2) → learning rate 1e-4",
        "2 classes → head learning rate ×10",
        "8,000 training texts, 2 classes → 1 epoch (500 steps; aim ≈310)",
        "95% of texts fit in 100 tokens → max length 112",
        "warm-up over 6% of the steps (steadies the higher rates)",
        "1 epoch → no early stopping (nothing to stop; the trained epoch is kept)"]),
]


def _estimate(n_runs: int, kind: str, seconds: float, stopping: bool) -> estimate.Estimate:
    return estimate.Estimate(seconds=seconds, steps=1_234, work_s=1.0, overhead_s=1.0, device_kind=kind,
                             model=BUILTIN_MODEL, n_runs=n_runs, early_stopping=stopping)


OLD_ESTIMATES = [
    (_estimate(3, "cpu", 20, False), "≈ 20 s on this CPU (1,234 steps), from 3 earlier all-MiniLM-L6-v2 runs."),
    (_estimate(1, "cuda", 250, True),
     "≈ 4 min on this GPU (1,234 steps), from 1 earlier all-MiniLM-L6-v2 run; early stopping can end it sooner."),
    (_estimate(0, "mps", 3 * 3600 + 300, False), "≈ 3 h 05 min on this Apple GPU (1,234 steps); a rough guess: no "
     "earlier run of all-MiniLM-L6-v2 on this Apple GPU to measure from."),
    (_estimate(0, "cpu", 5, True), "≈ 10 s on this CPU (1,234 steps); a rough guess: no earlier run of "
     "all-MiniLM-L6-v2 on this CPU to measure from; early stopping can end it sooner."),
    (_estimate(2, "xpu", 95 * 60, False), "≈ 1 h 35 min on this xpu (1,234 steps), from 2 earlier all-MiniLM-L6-v2 runs."),
    (_estimate(0, "xpu", 60, False), "≈ 1 min on this xpu (1,234 steps); a rough guess: no earlier run of "
     "all-MiniLM-L6-v2 on this xpu to measure from."),
]

OLD_HARDWARE = [
    (devices.Hardware([0, 1], ["NVIDIA H200", "NVIDIA H200"], False), False, "2 × NVIDIA H200 — runs train on a free GPU "
     "with bf16/fp16 mixed precision where supported; pick one or several under Advanced."),
    (devices.Hardware([3], [], False), False, "1 × NVIDIA GPU — runs train on a free GPU with bf16/fp16 mixed precision "
     "where supported; pick one or several under Advanced."),
    (devices.Hardware([], [], True), False, "Apple GPU (MPS) — runs train on it, one at a time."),
    (devices.Hardware([], [], False), False,
     "No GPU found — runs train on the CPU, one at a time (small models such as MiniLM are fine)."),
    (devices.Hardware([], [], False), True, "No GPU found — runs train on the CPU in bf16 mixed precision, one at a "
     "time (small models such as MiniLM are fine)."),
]

# Device labels runs record (core.train.run: device_description() + ", " + precision_description()).
DEVICE_LABELS = [
    f"{where}, {precision}"
    for where in ("2 × CUDA GPU (NVIDIA A100-SXM4-40GB MIG 3g.20gb, NVIDIA H200)", "1 × CUDA GPU (NVIDIA H200)",
                  "Apple MPS", "CPU (1 thread)", "CPU (2 threads)", "CPU (1,024 threads)")
    for precision in ("bf16 mixed precision", "fp16 mixed precision", "fp32")
]
GPU_NAMES = ["NVIDIA A100-SXM4-40GB MIG 3g.20gb", "NVIDIA H200", "NVIDIA GPU"]  # hardware names stay as they are


def _assert_chinese(made: Message, data: list[str] = ()) -> str:
    assert made.key in i18n.catalogue("en") and made.key in i18n.catalogue("zh"), made.key
    chinese = made.in_language("zh")
    assert english_words(chinese, [*MODELS, *GPU_NAMES, *data]) == [], (made.key, chinese)
    return chinese


@pytest.mark.parametrize(("profile", "model", "kind", "old"), OLD_REASONS)
def test_auto_reasons_print_the_old_english_and_have_no_english_in_chinese(profile, model, kind, old):
    made = auto_recipe(profile, model=model, device_kind=kind)
    assert made.reasons == old and [str(m) for m in made.messages] == old
    chinese = [_assert_chinese(m, [kind]) for m in made.messages]
    assert chinese[1].endswith("分类头学习率 ×20" if profile.n_classes > 20 else "分类头学习率 ×10")


def test_every_epochs_reason_prints_what_the_old_wording_printed():
    def old(rows: int, classes: int, epochs: int, steps: int, target: int, least: int) -> str:
        floor = f", at least {least} with over {recipe.MANY_CLASSES} classes" if least > recipe.MIN_EPOCHS else ""
        return (f"{rows:,} training texts, {classes:,} classes → {epochs:,} epoch{'s' if epochs != 1 else ''} "
                f"({steps:,} steps; aim ≈{target:,}{floor})")

    seen = set()
    for rows in (2, 15, 17, 100, 4_960, 12_345, 200_000):
        for classes in (2, 20, 21, 150, 1_500):
            epochs, reason = recipe.epochs_rule(rows, classes, 16)
            least = recipe.MANY_CLASSES_MIN_EPOCHS if classes > recipe.MANY_CLASSES else recipe.MIN_EPOCHS
            target = recipe.TARGET_STEPS_BASE + recipe.TARGET_STEPS_PER_CLASS * classes
            steps = int(epochs) * max(1, -(-rows // 16))
            assert str(reason) == old(rows, classes, int(epochs), steps, target, least)
            _assert_chinese(reason)
            seen.add(reason.key)
    assert seen == {"recipe.reason.epochs", "recipe.reason.epochs_one", "recipe.reason.epochs_floor"}


def test_presets_give_english_reasons_and_messages_and_the_run_records_both():
    messages = auto_recipe(_profile(300, 3, 50, 20), model=BUILTIN_MODEL, device_kind="cpu").messages
    info = recipe.preset_info(recipe.AUTO, messages, RunConfig(), RunConfig(epochs=2))
    assert info["recipe_reasons"] == [str(m) for m in messages] and info["preset_overrides"] == ["epochs"]
    assert info["recipe_reason_messages"] == [m.to_dict() for m in messages]
    assert [i18n.localize(d, "zh") for d in info["recipe_reason_messages"]] == [m.in_language("zh") for m in messages]
    english_only = recipe.preset_info(recipe.AUTO, [str(m) for m in messages], RunConfig(), RunConfig())
    assert "recipe_reason_messages" not in english_only  # the CLI's record: English reasons only, as before
    assert "recipe_reason_messages" not in recipe.preset_info("Balanced", [], RunConfig(), RunConfig())


@pytest.mark.parametrize(("made", "old"), OLD_ESTIMATES)
def test_estimate_prints_the_old_english_and_its_parts_have_no_english_in_chinese(made, old):
    assert made.describe() == old
    parts = made.describe_messages()
    assert "".join(map(str, parts)) == old
    chinese = "".join(_assert_chinese(p, [made.device_kind]) for p in parts)
    assert chinese.startswith("约 ") and chinese.endswith("。") and "1,234 步" in chinese


@pytest.mark.parametrize(("seconds", "text", "chinese"), [
    (4, "10 s", "约 10 秒"), (44, "40 s", "约 40 秒"), (60, "1 min", "约 1 分钟"), (89 * 60, "89 min", "约 89 分钟"),
    (90 * 60, "1 h 30 min", "约 1 小时 30 分钟"), (125 * 60, "2 h 05 min", "约 2 小时 05 分钟")])
def test_durations(seconds, text, chinese):
    assert estimate.format_duration(seconds) == text
    assert str(estimate.duration_message(seconds)) == f"≈ {text}"
    assert estimate.duration_message(seconds).in_language("zh") == chinese


@pytest.mark.parametrize(("hardware", "bf16", "old"), OLD_HARDWARE)
def test_hardware_line_prints_the_old_english(monkeypatch, hardware, bf16, old):
    monkeypatch.setattr(devices, "cpu_has_bf16_units", lambda: bf16)
    assert hardware.describe() == old == str(hardware.describe_message())
    chinese = _assert_chinese(hardware.describe_message())
    assert ("bf16" in chinese) == ("bf16" in old)


@pytest.mark.parametrize("label", DEVICE_LABELS)
def test_a_runs_device_label_reads_back_as_a_message_with_the_same_english(label):
    made = devices.run_device_message(label)
    assert isinstance(made, Message) and str(made) == label
    assert i18n.localize(made.to_dict(), "en") == label
    chinese = _assert_chinese(made)
    assert ("混合精度" in chinese) == ("mixed precision" in label)


@pytest.mark.parametrize("label", ["cuda:0", "", "CPU (1 threads), fp32", "TPU v5, bf16 mixed precision"])
def test_a_device_label_of_another_form_is_shown_as_recorded(label):
    assert devices.run_device_message(label) == label


def test_every_recipe_key_is_in_both_languages_with_the_same_placeholders():
    english, chinese = i18n.catalogue("en"), i18n.catalogue("zh")
    keys = {k for k in english if k.startswith("recipe.")} | {k for k in chinese if k.startswith("recipe.")}
    assert len(keys) >= 38  # the scan finds the recipe, estimate, hardware and device keys
    for key in keys:
        assert key in english and key in chinese, key
        assert i18n.placeholders(english[key]) == i18n.placeholders(chinese[key]), key
