"""Downloads of predictions: formula-like cells escaped in CSV and Excel, added columns, file types."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from core.errors import DataError, RunError
from core.serve import predict


def test_escape_cell():
    for text in ["=HYPERLINK(\"http://x\")", "+1", "-cmd", "@SUM(A1)", "\tx", "\rx"]:
        assert predict.escape_cell(text) == "'" + text
    for value in ["plain", " =not first", "", None, -3, 2.5, np.nan]:
        assert predict.escape_cell(value) is value


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "text": ['=HYPERLINK("http://evil.example","click")', "nice film", "-1 stars", "@here bad\x07bell"],
        "score": [-1.5, 2.0, -3.0, 4.0],  # numbers stay numbers, minus sign and all
        "=cmd": ["a", "b", "c", "d"],  # a formula-like header is escaped too
    }).astype({"text": "str"})


def test_csv_escapes_formula_cells_and_headers_but_not_numbers():
    raw = predict.to_csv_bytes(_frame())
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8 right
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig")
    assert back["text"].tolist()[0] == "'=HYPERLINK(\"http://evil.example\",\"click\")"
    assert back["text"].tolist()[2] == "'-1 stars" and back["text"].tolist()[1] == "nice film"
    assert back["score"].tolist() == [-1.5, 2.0, -3.0, 4.0]
    assert list(back.columns) == ["text", "score", "'=cmd"]


def test_excel_cells_are_text_not_formulas():
    book = openpyxl.load_workbook(io.BytesIO(predict.to_excel_bytes(_frame())))
    sheet = book.active
    cell = sheet["A2"]
    assert cell.value == "'=HYPERLINK(\"http://evil.example\",\"click\")" and cell.data_type == "s"
    assert sheet["A5"].value == "'@here badbell"  # control characters Excel cannot store are dropped
    assert sheet["B2"].value == -1.5 and sheet["C1"].value == "'=cmd"


def test_added_columns_do_not_clash_with_uploaded_ones():
    df = pd.DataFrame({"text": ["a", "b"], "predicted_label": ["x", "y"], "confidence": [1, 2]})
    proba = np.array([[0.9, 0.1], [0.2, 0.8]])
    out = predict.add_predictions(df, proba, ["neg", "pos"])
    assert list(out.columns) == ["text", "predicted_label", "confidence", "predicted_label (model)", "confidence (model)",
                                 "prob::neg", "prob::pos"]
    assert out["predicted_label (model)"].tolist() == ["neg", "pos"]
    assert out["confidence (model)"].tolist() == [0.9, 0.8]
    assert out["predicted_label"].tolist() == ["x", "y"]  # the user's column is untouched


def test_texts_of_keeps_rows_aligned_and_names_a_wrong_column():
    df = pd.DataFrame({"review": ["good", None, 3]})
    assert predict.texts_of(df, "review") == ["good", "", "3"]
    with pytest.raises(DataError, match="no column ‘text’; choose one of: review"):
        predict.texts_of(df, "text")


def test_write_table_by_extension(tmp_path):
    df = pd.DataFrame({"text": ["=1+1"]})
    assert pd.read_csv(predict.write_table(df, tmp_path / "o.csv"), encoding="utf-8-sig")["text"][0] == "'=1+1"
    assert openpyxl.load_workbook(predict.write_table(df, tmp_path / "o.xlsx")).active["A2"].value == "'=1+1"
    with pytest.raises(DataError, match=r"\.csv or \.xlsx"):
        predict.write_table(df, tmp_path / "o.json")


def test_job_ids_cannot_escape_the_jobs_folder():
    for bad in ["../../etc", "x", "", "0101-010101-abcdef/../x"]:
        with pytest.raises(RunError):
            predict.job_dir(bad)
    assert predict.job_dir("0101-010101-abcdef").parent == predict.jobs_dir()


def test_a_job_whose_worker_died_reports_failed(tmp_path):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # a pid that has certainly ended
    status, pid = tmp_path / "progress.json", tmp_path / "worker.pid"
    predict.write_json(status, {"state": "running", "done": 5, "total": 10})
    pid.write_text(str(proc.pid))
    state = predict.background_state(status, pid, "It died.")
    assert state["state"] == "failed" and state["error"] == "It died." and state["done"] == 5
    predict.write_json(status, {"state": "completed"})
    assert predict.background_state(status, pid, "It died.")["state"] == "completed"


def test_old_finished_jobs_are_pruned_but_running_ones_kept():
    import os
    import time

    old = time.time() - 30 * 86400
    for job_id, state in [("0101-000000-aaaaaa", "completed"), ("0101-000000-bbbbbb", "running"), ("0101-000000-cccccc", "failed")]:
        folder = predict.job_dir(job_id)
        folder.mkdir(parents=True)
        predict.write_json(folder / "progress.json", {"state": state})
        os.utime(folder, (old, old))
    predict.job_dir("0101-000000-dddddd").mkdir()  # new: kept whatever its state
    predict.write_json(predict.job_dir("0101-000000-dddddd") / "progress.json", {"state": "completed"})
    assert predict.prune_jobs() == 2
    assert sorted(p.name for p in predict.jobs_dir().iterdir()) == ["0101-000000-bbbbbb", "0101-000000-dddddd"]
