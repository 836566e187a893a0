"""The export area in 简体中文: the standalone HTML report, the metric sentences, the model card, ``report --lang zh``
and the report download button (issue 17, item 1).  English output must not change (test_report.py, test_guard.py
and tests/integration/test_export.py match it word for word)."""

from __future__ import annotations

import html as html_lib
import json
import re
import zipfile

import numpy as np
import pandas as pd
import pytest

from core import cli, i18n, paths, results, store
from core.evaluate import html, robustness
from core.evaluate.explanations import report_explanations
from core.evaluate.report import METRIC_NAMES, build_report
from core.serve import export

LABELS = ["退款", "物流", "账户"]
RUN_NAME = "客服意图 第2轮"
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")
# Latin words a Chinese report keeps: the product, metric abbreviations, the UTC of the timestamp.
KEPT_IN_LATIN = {"Tuneboard", "UTC", "F1", "ROC", "AUC", "MCC", "ECE", "kappa"}
CHINESE_H2 = ["概览", "各类别结果", "混淆矩阵", "错误样本", "校准", "鲁棒性", "效率", "切片分析", "运行"]
ENGLISH_H2 = ["Summary", "Per class", "Confusion matrix", "Errors", "Calibration", "Robustness", "Efficiency", "Slices", "Run"]


def _predictions(n: int = 240, seed: int = 0, *, probabilities: bool = True) -> pd.DataFrame:
    """A predictions frame as the trainer writes it: Chinese labels, texts and slice column, noisy softmax scores."""
    rng = np.random.default_rng(seed)
    true = rng.choice(len(LABELS), n, p=[0.5, 0.3, 0.2])
    logits = rng.normal(0.0, 1.0, (n, len(LABELS)))
    logits[np.arange(n), true] += 2.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    frame = pd.DataFrame({
        "row_id": np.arange(n),
        "text": [f"第{i}条留言：快递还没到，我想退款" for i in range(n)],
        "label": [LABELS[i] for i in true],
        "pred": [LABELS[i] for i in proba.argmax(axis=1)],
        "confidence": proba.max(axis=1),
        "渠道": np.where(np.arange(n) % 2 == 0, "邮件", "电话"),
    })
    if probabilities:
        frame = pd.concat([frame, pd.DataFrame(proba, columns=[results.prob_column(x) for x in LABELS])], axis=1)
    return frame


def _report(**extra) -> dict:
    robust = [{"perturbation": name, "description": robustness.CJK_DESCRIPTIONS[name], "accuracy": 0.7, "drop": 4.0,
               "changed_share": 0.1} for name in ("char_drop", "punctuation_width")]
    return build_report(_predictions(), LABELS, slice_columns=["渠道"], robustness=robust,
                        efficiency={"latency_p50_ms": 3.2, "throughput_texts_per_s": 120.0, "total": 4_000_000},
                        run_info={"name": RUN_NAME, "labels": LABELS}, **extra)


def _visible(page: str, tag: str | None = None) -> list[str]:
    """The texts a reader sees (scripts, styles and figures removed), or only those inside ``<tag>`` elements."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    if tag:
        return [html_lib.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", page, re.S)]
    return [t.strip() for t in html_lib.unescape(re.sub(r"<[^>]+>", "\n", page)).splitlines() if t.strip()]


def _english_words(texts: list[str], *, data: tuple[str, ...] = ()) -> list[str]:
    """English words left in ``texts`` once the user's own data and the kept Latin words are removed."""
    words = []
    for text in texts:
        for item in data:
            text = text.replace(item, " ")
        words += [w for w in ENGLISH_WORD.findall(text) if w not in KEPT_IN_LATIN]
    return words


# --- the HTML report ----------------------------------------------------------------------------------------------

def test_chinese_html_report_has_chinese_headings_labels_and_lang():
    report = _report()
    title = i18n.translate("zh", "export.html.title", name=RUN_NAME)
    page = html.report_to_html(report, title=title, language="zh")
    assert '<html lang="zh">' in page
    assert '"Noto Sans CJK SC"' in page and '"Microsoft YaHei",sans-serif' in page  # CJK fonts after the Latin ones
    assert _visible(page, "h2") == CHINESE_H2
    assert _visible(page, "h1") == ["Tuneboard 评估报告 · 客服意图 第2轮"]
    assert set(_visible(page, "h3")) == {"全部指标", "最常见的混淆", "渠道"}  # 渠道: the user's slice column
    headers = _visible(page, "th")
    assert {"指标", "类别", "精确率", "召回率", "真实标签", "置信度", "扰动", "测量项", "设置"} <= set(headers)
    assert _english_words(_visible(page, "h1") + _visible(page, "h2") + _visible(page, "h3") + headers) == []
    shown = _visible(page)
    for label in LABELS:
        assert label in shown  # per-class table cells
        assert f"在真正属于“{label}”的" in page  # per-class sentence, written again in Chinese
    assert "随机删字" in shown and robustness.CJK_DESCRIPTIONS["char_drop"] not in page  # perturbations in Chinese
    assert "延迟中位数（ms）" in shown and "名称" in shown  # efficiency measures and run facts by name
    assert report["explanations"]["accuracy"] not in page  # the saved English sentence is not shown
    # Nothing a reader sees is English except the kept abbreviations and the user's data (texts, labels, values).
    assert _english_words(shown, data=("ms",)) == [], _english_words(shown)


def test_chinese_html_says_in_chinese_what_a_run_lacks():
    report = build_report(_predictions(probabilities=False), LABELS)
    page = html.report_to_html(report, title="报告", language="zh")
    for key in ("na_calibration", "na_robustness", "na_efficiency", "na_slices"):
        assert f'<p class="muted">{i18n.translate("zh", f"export.html.{key}")}</p>' in page
    assert "not available" not in " ".join(_visible(page)) and _english_words(_visible(page)) == []


def test_the_baseline_guard_sentences_are_chinese():
    """The baseline verdict and its suggestions (core's messages, as report.json stores them) read in Chinese."""
    from core.config import RunConfig
    from core.evaluate import guard

    facts = {"n_classes": 3, "final_train_loss": 1.0, "validation_f1": [0.3, 0.5], "truncated_share": 0.3}
    config = RunConfig(model="bert-base-chinese", learning_rate=1e-5, max_steps=200, max_length=64)
    model, base = {"accuracy": 0.5, "f1_macro": 0.4}, {"accuracy": 0.8, "f1_macro": 0.7}
    verdict = guard.baseline_verdict(model, base, config=config, facts=facts)
    check = json.loads(json.dumps({"status": "done", "baseline": base, "model": model, "verdict": verdict}))
    page = html.report_to_html(_report(baseline_check=check), title="报告", language="zh")
    assert "TF-IDF 基线胜过了此模型" in page and verdict["sentence"] not in page and "<h2>概览</h2>" in page
    assert len(verdict["suggestions"]) == 5 and not any(tip in page for tip in verdict["suggestions"])
    assert _english_words(_visible(page), data=("TF-IDF", "token", "ms")) == []


def test_english_html_is_unchanged_by_the_language_parameter(monkeypatch):
    class Frozen:  # the generation time is the one part of the file that changes between two renderings
        @staticmethod
        def now(tz=None):
            import datetime

            return datetime.datetime(2025, 1, 2, 3, 4, tzinfo=tz)

    monkeypatch.setattr(html, "datetime", Frozen)
    report = _report()
    page = html.report_to_html(report, title="T")
    assert page == html.report_to_html(report, title="T", language="en")
    assert '<html lang="en">' in page and _visible(page, "h2") == ENGLISH_H2
    assert "Evaluation report generated by Tuneboard on 2025-01-02 03:04 UTC." in page
    assert "<th>What it means here</th>" in page and report["explanations"]["accuracy"] in page
    assert "<td>char_drop</td>" in page and "<td>latency_p50_ms</td>" in page  # raw names, as before


def test_an_unknown_language_is_refused_in_one_sentence():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        html.report_to_html(_report(), title="T", language="fr")


# --- the explanations -----------------------------------------------------------------------------------------------

def _numbers(text: str) -> list[str]:
    return sorted(re.findall(r"-?\d+(?:\.\d+)?%?", text))


def test_explanations_in_chinese_say_the_same_numbers():
    report = _report()
    english, english_rows = report_explanations(report)
    assert english == report["explanations"] and english_rows == report["per_class"]  # English: what was saved
    chinese, rows = report_explanations(report, language="zh")
    assert set(chinese) == set(english) and len(chinese) == 15
    for key, sentence in chinese.items():
        assert re.search(r"[\u4e00-\u9fff]", sentence), key
        assert _english_words([sentence]) == [], (key, sentence)
        assert _numbers(sentence) == _numbers(english[key]), (key, sentence, english[key])
    for row, saved in zip(rows, report["per_class"], strict=True):
        for field in ("recall_explanation", "precision_explanation", "f1_explanation"):
            assert f"“{row['label']}”" in row[field] and _numbers(row[field]) == _numbers(saved[field])
            assert _english_words([row[field]], data=(row["label"],)) == []


def test_old_reports_without_the_numbers_keep_their_english_sentences():
    report = _report()
    for row in report["per_class"]:
        del row["n_correct"]
    assert report_explanations(report, language="zh") == (report["explanations"], report["per_class"])


def test_every_metric_and_perturbation_has_its_words():
    for language in i18n.LANGUAGES:
        words = i18n.catalogue(language)
        assert all(f"export.metric.{key}" in words for key in METRIC_NAMES)
        for name in {**robustness.DESCRIPTIONS, **robustness.CJK_DESCRIPTIONS}:
            assert f"export.perturbation.{name}.name" in words and f"export.perturbation.{name}.description" in words
    english = i18n.catalogue("en")
    assert all(english[f"export.metric.{key}"] == name for key, name in METRIC_NAMES.items())
    # strip_punctuation has one description per script; English shows core's own, so the catalogue copy is the CJK one
    for name, description in {**robustness.DESCRIPTIONS, **robustness.CJK_DESCRIPTIONS}.items():
        assert english[f"export.perturbation.{name}.description"] in (description, robustness.DESCRIPTIONS.get(name))


# --- a finished run: the model card, the CLI, the download ----------------------------------------------------------

@pytest.fixture
def finished_run() -> store.Run:
    """A completed run with a model folder and a saved report, made without training (the card reads only files)."""
    run = store.create_run({"model": "tiny-random-bert", "max_length": 64, "learning_rate": 0.001}, name=RUN_NAME,
                           dataset_id="ds-gone", status="completed", info={"dataset_name": "客服留言"})
    model = paths.run_dir(run.id) / "model"
    model.mkdir(parents=True)
    (model / "config.json").write_text(json.dumps({"id2label": dict(enumerate(LABELS))}, ensure_ascii=False))
    results.write_results(run.id, _predictions(), _report())
    return run


def test_model_card_in_chinese(finished_run):
    card = export.model_card(finished_run.id, language="zh")
    for heading in ("## 数据", "## 训练设置", "## 测试结果（240 条留出文本）", "## 预期用途", "## 局限", "## 使用方法"):
        assert f"\n{heading}\n" in card, heading
    assert "| 类别 | 样本数（测试集） |" in card and "| 准确率 |" in card and "“退款”、“物流”、“账户”" in card
    assert "随机删字" not in card and "约每 10 个字中随机删除 1 个。" in card  # the robustness limit, in Chinese
    prose = [line for line in card.split("```")[0].splitlines()[7:] if not line.startswith("|")]  # past the YAML
    assert _english_words(prose, data=(finished_run.id, "tiny-random-bert", "ds-gone", "id", "token")) == [], prose
    english = export.model_card(finished_run.id)
    assert english == export.model_card(finished_run.id, language="en") and "\n## Data\n" in english


def test_the_zip_keeps_the_english_card(finished_run, tmp_path):
    archive = zipfile.ZipFile(export.export_zip(finished_run.id, tmp_path / "m.zip"))
    assert archive.read("README.md").decode() == export.model_card(finished_run.id)


def test_report_cli_writes_the_html_in_the_language_asked_for(finished_run, tmp_path, capsys):
    out = tmp_path / "报告.html"
    assert cli.main(["report", finished_run.id, "--html", str(out), "--lang", "zh"]) == 0
    page = out.read_text(encoding="utf-8")
    assert '<html lang="zh">' in page and "<title>Tuneboard 评估报告 · 客服意图 第2轮</title>" in page
    assert _visible(page, "h2") == CHINESE_H2
    assert cli.main(["report", finished_run.id, "--html", str(out)]) == 0  # English by default
    page = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<title>Tuneboard report · 客服意图 第2轮</title>" in page
    with pytest.raises(SystemExit) as stop:
        cli.main(["report", finished_run.id, "--html", str(out), "--lang", "fr"])
    assert stop.value.code == 2 and "invalid choice: 'fr'" in capsys.readouterr().err


def test_report_file_names_keep_chinese_and_drop_unsafe_characters():
    assert html.report_file_name(RUN_NAME) == "客服意图 第2轮-report.html"
    assert html.report_file_name('a/b\\c:d*e?"f<g>h|i\n') == "a_b_c_d_e_f_g_h_i-report.html"
    assert html.report_file_name(" ../ ") == "run-report.html" and len(html.report_file_name("长" * 500)) < 140


def _download(run_id: str) -> None:
    from core import store
    from pages.components import report_download

    report_download.render(store.require_run(run_id))


def test_download_button_in_chinese(finished_run):
    from streamlit.testing.v1 import AppTest

    from tests.ui.i18n_check import english_leftovers

    at = AppTest.from_function(_download, args=(finished_run.id,), default_timeout=30)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    button = at.get("download_button")[0]
    assert button.proto.label == "下载报告（HTML）" and button.proto.help
    assert english_leftovers(at, data=[RUN_NAME]) == []
    assert html.run_report_html(finished_run.id, language="zh").count('<html lang="zh">') == 1  # what it downloads
