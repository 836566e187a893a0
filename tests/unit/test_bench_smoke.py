"""Every benchmark script runs end to end at a tiny size (64 rows, tiny random model); no timing asserts."""

import json

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
needs_sst2 = pytest.mark.needs_shared  # the benchmarks measure on SST-2 from ../shared/datasets (bench/common.py)


@needs_sst2
def test_bench_train_smoke(tmp_path):
    from bench import bench_train

    results = bench_train.main(["--smoke", "--out", str(tmp_path)])
    names = [r["contender"] for r in results["throughput"]]
    assert names == ["reference", "trainer", "tuneboard"]
    for row in results["throughput"]:
        assert row["samples_per_s"] > 0 and 0 <= row["dev_accuracy"] <= 1 and row["peak_rss_mb"] > 0
    tuneboard = results["throughput"][-1]
    assert tuneboard["floor_fraction"] > 0 and tuneboard["metric_points"] > 0  # the store callback really wrote
    assert tuneboard["padded_tokens"] >= tuneboard["real_tokens"] > 0
    assert [r["contender"] for r in results["time_to_accuracy"]] == ["tuneboard", "trainer"]
    assert results["ablation"] and results["polling"]
    saved = json.loads((tmp_path / "train_smoke.json").read_text())
    assert saved["benchmark"] == "train_smoke" and "machine" in saved


@needs_sst2
def test_bench_train_seeds_smoke(tmp_path):
    from bench import bench_train

    results = bench_train.main(["--smoke", "--seeds", "0,1", "--contenders", "trainer,tuneboard", "--out", str(tmp_path)])
    rows = {r["contender"]: r for r in results["seeds"]}
    assert set(rows) == {"trainer", "tuneboard"}
    assert rows["trainer"]["accuracy_vs_trainer_pts"] == 0 and rows["trainer"]["speedup_vs_trainer"] == 1
    for row in rows.values():
        assert len(row["dev_accuracy_runs"]) == 2 and row["samples_per_s"] > 0
        assert row["dev_accuracy"] == sum(row["dev_accuracy_runs"]) / 2
    assert (tmp_path / "train_seeds.json").is_file()


@needs_sst2
def test_bench_train_ablation_smoke(tmp_path):
    from bench import bench_train

    results = bench_train.main(["--smoke", "--ablation", "--out", str(tmp_path)])
    rows = results["ablation"]
    assert [r["contender"] for r in rows] == ["tuneboard", "tuneboard_before"]  # --smoke: all on vs all off
    assert rows[0]["relative"] == 1 and all(r["samples_per_s"] > 0 for r in rows)
    assert "throughput" not in results and "time_to_accuracy" not in results
    assert list(tmp_path.glob("train_ablation*.json"))


@needs_sst2
def test_bench_infer_smoke(tmp_path):
    from bench import bench_infer

    results = bench_infer.main(["--smoke", "--out", str(tmp_path)])
    rows = {r["contender"]: r for r in results["rows"]}
    assert set(rows) == {"tuneboard", "pipeline", "pipeline_b64"}
    assert all(r["texts_per_s"] > 0 for r in rows.values())
    assert rows["pipeline"]["agree"] == 1.0  # same model, same top class as predict_proba
    assert (tmp_path / "infer_smoke.json").is_file()


@needs_sst2
def test_bench_data_smoke(tmp_path):
    from bench import bench_data

    result = bench_data.main(["--smoke", "--out", str(tmp_path)])
    assert result["rows"] == 2000 and result["rows_kept"] > 1900
    assert set(result["steps_s"]) >= {"read_table", "detect_columns", "clean_examples", "health_report", "tokenise_hit"}
    assert (tmp_path / "data_smoke.json").is_file()


@needs_sst2
def test_bench_gpu_tiny_runs_on_cpu(tmp_path):
    from bench import bench_gpu

    results = bench_gpu.main(["--tiny", "--out", str(tmp_path)])
    assert {r["contender"] for r in results["rows"]} >= {"trainer", "tuneboard"}
    assert all(r["samples_per_s"] > 0 for r in results["rows"])


def test_bench_main_runs_the_chosen_scripts(capsys, monkeypatch):
    import bench.__main__ as entry

    monkeypatch.setattr(entry, "_run", lambda name, flags: print(f"ran {name} {flags}"))
    assert entry.main(["--smoke", "--only", "train,infer"]) == 0
    out = capsys.readouterr().out
    assert "ran train ['--smoke']" in out and "ran infer ['--smoke']" in out


@needs_sst2
def test_bench_train_race_seeds_smoke(tmp_path):
    from bench import bench_train

    results = bench_train.main(["--smoke", "--time-to-acc", "--seeds", "0,1", "--out", str(tmp_path)])
    out = results["time_to_accuracy_seeds"]
    assert out["seeds"] == [0, 1] and len(out["per_seed"]) == 2
    tuneboard, trainer = out["summary"]
    assert (tuneboard["contender"], trainer["contender"]) == ("tuneboard", "trainer")
    for rows in out["per_seed"]:  # trained to the end: the smoke target (101 %) is never reached
        assert all(r["race"]["curve"] and r["to_target_s"] is None for r in rows)
    assert (tmp_path / "train_race_seeds.json").is_file()


@needs_sst2
def test_bench_train_profile_smoke(tmp_path):
    from bench import bench_train

    results = bench_train.main(["--smoke", "--profile", "--out", str(tmp_path)])
    parts = results["profile"]["step_profile"]
    assert [p["part"] for p in parts][:2] == ["matmuls (mm, addmm, bmm)", "dtype casts and copies (bf16 autocast)"]
    assert all(p["ms_per_step"] >= 0 for p in parts) and parts[0]["ms_per_step"] > 0  # the model really multiplied
    assert abs(sum(p["share"] for p in parts) - 1) < 1e-9
    assert (tmp_path / "train_profile.json").is_file()


@needs_sst2
def test_bench_recipes_smoke(tmp_path, monkeypatch):
    """The recipe study: baseline and an Auto-based sweep point through the real training path, appended and summed up."""
    from bench import bench_recipes

    monkeypatch.setenv("TUNEBOARD_RECIPE_HOME", str(tmp_path / "home"))
    results = tmp_path / "recipes.jsonl"
    tiny = "tiny:model=tiny-random-bert,max_steps=2,max_length=16,early_stopping_patience=0"
    bench_recipes.study(["trec6"], ["baseline", tiny], [0], tmp_path, results)
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert [r["recipe"] for r in rows] == ["baseline", tiny]
    for row in rows:
        assert 0 <= row["accuracy"] <= 1 and 0 <= row["f1_macro"] <= 1 and row["wall_s"] > 0 and row["classes"] == 6
    trained = rows[1]
    assert trained["steps"] == 2 and trained["settings"]["model"] == "tiny-random-bert"
    assert any("head learning rate" in reason for reason in trained["reasons"])  # Auto's rules, then the overrides
    bench_recipes.study(["trec6"], ["baseline", tiny], [0], tmp_path, results)  # resumable: nothing run twice
    assert len(results.read_text().splitlines()) == 2
    table = bench_recipes.summary(results)
    assert "**trec6**" in table and "| baseline | 1 |" in table


def test_bench_recipe_names_parse():
    from bench.bench_recipes import _parse_recipe

    assert _parse_recipe("Auto") == ("Auto", {})
    assert _parse_recipe("lr3e-4:learning_rate=3e-4,head_lr_multiplier=1") == (
        "lr3e-4", {"learning_rate": 3e-4, "head_lr_multiplier": 1})
    assert _parse_recipe("x:model=tiny-random-bert,train_word_embeddings=true") == (
        "x", {"model": "tiny-random-bert", "train_word_embeddings": True})


def test_bench_tasks_summary_reads_its_results(tmp_path):
    import json

    from bench.bench_tasks import summary

    results = tmp_path / "tasks.jsonl"
    rows = [{"example": "review_scores", "seed": s, "wall_s": 60.0 + s, "epochs": 8.0,
             "auto": {"spearman": 0.9 + s / 100, "pearson": 0.9, "mae": 0.5},
             "baseline": {"spearman": 0.86, "pearson": 0.88, "mae": 0.55}} for s in (0, 1)]
    results.write_text("".join(json.dumps(r) + "\n" for r in rows))
    table = summary(results)
    assert "| review_scores | spearman | 0.905 ± 0.007 | 0.860 ± 0.000 | 2 | 60 |" in table
