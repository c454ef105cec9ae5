"""benchmarks/bench_cpu.py: its pure helpers (rotation, medians, paired ratios, the tables), the
corpora it builds, the ours@PATH import check, and one tiny run end to end with every tool."""

import importlib.util
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "bench_cpu.py")
PTB = os.path.join(ROOT, "w2v_scratch", "data", "ptb.train.txt.gz")

_spec = importlib.util.spec_from_file_location("bench_cpu", SCRIPT)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


# -- pure helpers --------------------------------------------------------------------------------
def test_rotation_puts_each_tool_in_each_place_once():
    tools = ["ours", "gensim", "c", "fasttext"]
    orders = [bench.rotation(tools, r) for r in range(len(tools))]
    assert orders[0] == tools
    assert orders[1] == ["gensim", "c", "fasttext", "ours"]
    for place in range(len(tools)):
        assert sorted(o[place] for o in orders) == sorted(tools)
    assert bench.rotation(tools, len(tools)) == tools  # the cycle repeats
    assert bench.rotation([], 3) == []


def test_seed_for_round_cycles():
    assert [bench.seed_for_round([1], r) for r in range(3)] == [1, 1, 1]
    assert [bench.seed_for_round([1, 2, 3], r) for r in range(4)] == [1, 2, 3, 1]


def test_spread_and_paired_ratios():
    assert bench.spread([3.0, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    assert bench.spread([4.0, 1.0, 2.0, 3.0]) == (2.5, 1.0, 4.0)
    assert bench.spread([None, 5.0]) == (5.0, 5.0, 5.0)
    assert bench.spread([None]) is None
    # rounds present in both, a missing value or a zero denominator left out, in round order
    num = {0: 2.0, 1: 3.0, 2: None, 4: 1.0, 5: 6.0}
    den = {0: 1.0, 1: 2.0, 2: 5.0, 3: 1.0, 4: 0.0, 5: 3.0}
    assert bench.paired_ratios(num, den) == [2.0, 1.5, 2.0]
    assert bench.mean([1.0, None, 3.0]) == 2.0 and bench.mean([None]) is None


def test_fmt_spread():
    assert bench.fmt_spread((2.0, 1.5, 3.25), "{:.2f}", "×") == "2.00× (1.50–3.25)"
    assert bench.fmt_spread((2.0, 2.0, 2.0), "{:.2f}", "×") == "2.00×"
    assert bench.fmt_spread(None) == "n/a"


def _runs(load, ours_s=2.0, peer_s=4.0):
    """Two tools over rounds whose load scales both alike: seconds move with the load, their ratio
    does not."""
    runs = []
    for r, f in enumerate(load):
        for tool, s, mb in (("ours", ours_s, 200.0), ("gensim", peer_s, 500.0)):
            runs.append(dict(size=1, variant="sg-ns", tool=tool, round=r, whole=s * f, train=0.5 * s * f,
                             peak_mb=mb + r, analogy=10.0 + r, wordsim=0.5, simlex=None))
    return runs


def test_paired_ratio_is_steady_when_the_machine_is_not():
    runs = _runs([1.0, 1.8, 1.2])  # the machine's speed moves by 1.8x between rounds
    tokens = {1: 1000}
    summary = bench.summarize(runs, tokens, epochs=2)
    ours = summary[(1, "sg-ns", "ours")]
    assert ours["rounds"] == 3 and ours["failed"] == 0
    assert ours["whole"] == pytest.approx((2.4, 2.0, 3.6))  # median, min, max
    assert ours["train"] == pytest.approx((1.2, 1.0, 1.8))
    assert ours["wps"][0] == pytest.approx(2 * 1000 / 2.4)
    assert ours["peak_mb"] == 202.0
    assert ours["analogy"] == pytest.approx(11.0) and ours["analogy_range"] == (10.0, 12.0)
    assert ours["simlex"] is None
    assert ours["us_per_token"] == pytest.approx(1e6 * 2.4 / 2000)
    rows = bench.ratio_rows(runs, summary, "ours", ["ours", "gensim"])
    assert len(rows) == 1
    row = rows[0]
    assert row["peer"] == "gensim" and row["pairs"] == 3
    assert row["speed"] == pytest.approx((2.0, 2.0, 2.0))  # paired: the load cancels
    assert row["train_speed"] == pytest.approx((2.0, 2.0, 2.0))
    assert row["memory"] == pytest.approx(202.0 / 502.0)
    assert row["analogy"] == pytest.approx(0.0) and row["simlex"] is None


def test_failed_runs_are_reported_not_mixed_in():
    runs = _runs([1.0, 1.1])
    runs.append(dict(size=1, variant="sg-ns", tool="gensim", round=2, failed="boom"))
    runs.append(dict(size=1, variant="sg-ns", tool="fasttext", round=0, failed="Encountered NaN."))
    summary = bench.summarize(runs, {1: 100}, epochs=1)
    assert summary[(1, "sg-ns", "gensim")]["rounds"] == 2 and summary[(1, "sg-ns", "gensim")]["failed"] == 1
    assert summary[(1, "sg-ns", "fasttext")] == dict(rounds=0, failed=1, n_tok=100)
    rows = bench.ratio_rows(runs, summary, "ours", ["ours", "gensim", "fasttext"])
    assert [r["peer"] for r in rows] == ["gensim"] and rows[0]["pairs"] == 2
    table = bench.main_table(summary, ["ours", "gensim", "fasttext"], show_size=False)
    assert "| sg-ns | gensim | 2 (1 failed) |" in table
    assert "| sg-ns | fasttext | 0 (1 failed) | failed |" in table


def test_tables_have_a_row_per_tool_and_per_peer():
    runs = _runs([1.0, 1.3])
    summary = bench.summarize(runs, {1: 1000}, epochs=1)
    table = bench.main_table(summary, ["ours", "gensim"], show_size=False)
    lines = table.splitlines()
    assert len(lines) == 4 and lines[2].startswith("| sg-ns | ours | 2 |") and lines[3].startswith("| sg-ns | gensim |")
    assert all(line.count("|") == lines[0].count("|") for line in lines)
    ratios = bench.ratio_table(bench.ratio_rows(runs, summary, "ours", ["ours", "gensim"]), "ours", show_size=False)
    assert "| sg-ns | gensim | 2 | 2.00× |" in ratios


def test_scale_table_growth_from_the_smallest_size():
    runs = []
    for size, whole, mb in ((1, 2.0, 100.0), (10, 15.0, 250.0)):
        runs.append(dict(size=size, variant="cbow-ns", tool="ours", round=0, whole=whole, train=whole - 1, peak_mb=mb))
    summary = bench.summarize(runs, {1: 1000, 10: 10000}, epochs=1)
    table = bench.scale_table(summary, ["ours"])
    rows = table.splitlines()[2:]
    assert len(rows) == 2
    assert rows[0].startswith("| cbow-ns | ours | 1× |") and rows[0].endswith("| 1.00× | 1.00× |")
    assert rows[1].startswith("| cbow-ns | ours | 10× |") and rows[1].endswith("| 0.75× | 2.50× |")


def test_parse_tool():
    for t in bench.TOOLS:
        assert bench.parse_tool(t) == t
    assert bench.parse_tool(f"ours@{ROOT}") == f"ours@{ROOT}"
    assert bench.baseline_of(["gensim", f"ours@{ROOT}", "ours"]) == "ours"
    assert bench.baseline_of(["gensim", f"ours@{ROOT}"]) == f"ours@{ROOT}"
    assert bench.baseline_of(["gensim", "c"]) is None
    with pytest.raises(Exception, match="unknown tool"):
        bench.parse_tool("glove")
    with pytest.raises(Exception, match="no w2v_scratch"):
        bench.parse_tool(f"ours@{os.path.join(ROOT, 'docs')}")
    assert bench.parse_tool("ours+shared-noise") == "ours+shared-noise" and bench.is_ours("ours+shared-noise")
    assert bench.added_flags("ours+shared-noise+extra=cbow_update=exact") == [
        "--shared-noise", "--extra", "cbow_update=exact"]
    assert bench.added_flags("ours") == [] and bench.checkout_of("ours+shared-noise") == bench.ROOT
    with pytest.raises(Exception, match="unknown tool"):
        bench.parse_tool("ours+")


def test_corpora_cut_and_repeated(tmp_path):
    src = tmp_path / "src.txt"
    src.write_text("a b c a\nb a d\n\nc a b e f\n")
    cut = bench.cut_corpus(str(src), str(tmp_path), 6)
    assert open(cut).read() == "a b c a\nb a\n"
    prep = bench.prepare(str(src), str(tmp_path), None, [1, 3], min_count=3)
    assert open(prep["corpora"][1]).read() == "a b c a\nb a d\n\nc a b e f\n"
    assert open(prep["corpora"][3]).read() == open(prep["corpora"][1]).read() * 3
    # counts: a 4, b 3, c 2, d 1, e 1, f 1; three copies: every count × 3
    assert prep["tokens"] == {1: 4 + 3, 3: 3 * (4 + 3 + 2 + 1 + 1 + 1)}
    assert prep["raw_words"] == 12


def test_write_report_replaces_only_its_section(tmp_path):
    path = tmp_path / "b.md"
    start, end = bench.MARKERS["bench"]
    path.write_text(f"# B\n\nbefore\n{start}\nold\n{end}\nafter\n")
    bench.write_report(str(path), "new", bench.MARKERS["bench"])
    assert path.read_text() == f"# B\n\nbefore\n{start}\nnew\n{end}\nafter\n"
    bench.write_report(str(path), "scaled", bench.MARKERS["scale"])
    s_start, s_end = bench.MARKERS["scale"]
    assert path.read_text().endswith(f"after\n\n{s_start}\nscaled\n{s_end}\n")


def test_ours_at_refuses_a_package_imported_from_elsewhere(tmp_path):
    """The ours@PATH child checks where w2v_scratch came from: here PYTHONPATH does not point at the
    copy, so the installed package is imported, and the child must stop."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    p = subprocess.run([sys.executable, "-c", bench.OURS_AT_BOOTSTRAP, str(tmp_path), "train", "--help"],
                       capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=120)
    assert p.returncode != 0
    assert "not from the copy under" in p.stderr


# -- end to end ---------------------------------------------------------------------------------------
def _missing_tools() -> list[str]:
    missing = [m for m in ("gensim", "fasttext") if importlib.util.find_spec(m) is None]
    if bench.find_c_binary() is None:
        missing.append("the word2vec binary")
    return missing


@pytest.mark.skipif(bool(_missing_tools()), reason=f"needs the bench extra: {', '.join(_missing_tools())} missing")
def test_end_to_end_tiny_run(tmp_path):
    """Every tool on 100,000 words of PTB, 1 epoch, one round: a table row per tool with a positive
    time, and a paired-ratio row for each peer. (fastText 0.9.2 can stop with "Encountered NaN" on
    corpora of a few ten thousand words; 100,000 has been safe.)"""
    p = subprocess.run([sys.executable, SCRIPT, "--corpus", PTB, "--corpus-words", "100000", "--dim", "20",
                        "--epochs", "1", "--rounds", "1", "--warmup", "0", "--variants", "sg-ns",
                        "--tools", "ours", "gensim", "c", "fasttext", "--workdir", str(tmp_path), "--report", "-"],
                       capture_output=True, text=True, cwd=str(tmp_path), timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    out = p.stdout
    rows = {m.group(1): m for m in re.finditer(r"^\| sg-ns \| (\w+) \| 1 \| ([0-9.]+) \| ([0-9.]+) \| ([0-9,]+) \| "
                                                 r"(\d+) \|", out, re.M)}
    assert set(rows) == {"ours", "gensim", "c", "fasttext"}, out
    for tool, m in rows.items():
        whole, train = float(m.group(2)), float(m.group(3))
        assert 0 < train <= whole, (tool, whole, train)
        assert int(m.group(5)) > 0  # peak MB
    ratio_rows = re.findall(r"^\| sg-ns \| (\w+) \| 1 \| ([0-9.]+)× \|", out, re.M)
    assert sorted(peer for peer, _ in ratio_rows) == ["c", "fasttext", "gensim"], out
    assert all(float(r) > 0 for _, r in ratio_rows)
    for needle in ("load average (1/5/15 min) before", "- command: `python benchmarks/bench_cpu.py", "gensim 4.",
                   "fasttext", "logical CPUs"):
        assert needle in out
    assert os.path.exists(tmp_path / "results.json")
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".bin")]  # vectors removed once scored


def test_both_losses_variants_pass_hs_1_and_negative_5_to_every_tool():
    """sg-hs+ns / cbow-hs+ns: word2vec.c -hs 1 -negative 5, gensim hs=1 negative=5, ours --loss hs+ns
    --negative 5; the one-loss variants keep -negative 0 for HS alone and -hs 0 for NS."""
    assert {v: (bench.hyper(v)["hs"], bench.hyper(v)["neg"]) for v in bench.ALL_VARIANTS} == {
        "sg-ns": (0, 5), "sg-hs": (1, 0), "cbow-ns": (0, 5), "cbow-hs": (1, 0), "sg-hs+ns": (1, 5),
        "cbow-hs+ns": (1, 5)}
    assert bench.hyper("cbow-hs+ns")["loss"] == "hs+ns" and bench.hyper("cbow-hs+ns")["model"] == "cbow"
    assert set(bench.VARIANTS) < set(bench.ALL_VARIANTS)  # not in the default run
