"""WER with 95% bootstrap confidence intervals and the paired comparison of two variants, through
`erg run asr --eval` (text and --json) and the Python bindings, on the committed test set
(tests/fixtures/asr/testset) or a slice of it."""

import json
import os
import subprocess

import pytest

from conftest import REPO

TESTSET = REPO / "tests" / "fixtures" / "asr" / "testset"
MODEL = REPO / "models" / "weights" / "asr-lstm.safetensors"

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no shipped asr-lstm")


def run(erg_bin, *args):
    return subprocess.run([erg_bin, *args], capture_output=True, text=True, timeout=300)


def eval_json(erg_bin, testset, *extra):
    r = run(erg_bin, "run", "asr", "--model", "asr-lstm", "--beam", "1", "--json", "--eval",
            str(testset), *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def slice_dir(tmp_path_factory):
    """The first 24 utterances of the committed set, by absolute path (held-out and training)."""
    d = tmp_path_factory.mktemp("testset")
    lines = (TESTSET / "testset.tsv").read_text().splitlines()
    rows = [line.split("\t") for line in lines[1:25]]
    out = [lines[0]] + ["\t".join([str(TESTSET / r[0])] + r[1:]) for r in rows]
    (d / "testset.tsv").write_text("\n".join(out) + "\n")
    return d


def check_decoding(d, utterances):
    for key in ("wer", "ci95", "words", "sub", "del", "ins", "voices", "utterances",
                "resamples"):
        assert key in d, key
    assert d["utterances"] == utterances
    assert d["resamples"] >= 1000
    low, high = d["ci95"]
    assert low <= d["wer"] <= high
    assert d["wer"] == pytest.approx(100.0 * (d["sub"] + d["del"] + d["ins"]) / d["words"])
    assert sum(v["words"] for v in d["voices"]) == d["words"]
    assert sum(v["utterances"] for v in d["voices"]) == utterances
    for v in d["voices"]:
        for key in ("voice", "heldout", "wer", "ci95", "words", "sub", "del", "ins"):
            assert key in v, key
        assert v["ci95"][0] <= v["wer"] <= v["ci95"][1]
    # The groups printed before intervals stay, now with their CI too.
    assert d["groups"]["train_voices"]["reference_words"] == d["train_voices"]["words"]
    assert d["overall_wer_percent"] == pytest.approx(d["wer"])


def test_eval_json_on_the_committed_set(erg_bin):
    j = eval_json(erg_bin, TESTSET, "--threads", "2")
    assert j["kind"] == "asr_eval" and "erg_version" in j
    assert set(j) >= {"greedy", "beam"}
    for name in ("greedy", "beam"):
        check_decoding(j[name], 100)
        heldout = [v for v in j[name]["voices"] if v["heldout"]]
        assert len(heldout) == 3 and all(v["utterances"] == 20 for v in heldout)
        assert j[name]["heldout_mean"] == pytest.approx(
            sum(v["wer"] for v in heldout) / 3)
        assert "comparison" not in j[name]


def test_eval_is_deterministic_and_text_shows_the_ci(erg_bin, slice_dir):
    one = eval_json(erg_bin, slice_dir)
    two = eval_json(erg_bin, slice_dir)
    for name in ("greedy", "beam"):
        check_decoding(one[name], 24)
        assert one[name]["ci95"] == two[name]["ci95"]
        assert [v["ci95"] for v in one[name]["voices"]] == [v["ci95"] for v in two[name]["voices"]]
    r = run(erg_bin, "run", "asr", "--model", "asr-lstm", "--beam", "1", "--eval", str(slice_dir))
    assert r.returncode == 0, r.stderr
    g = one["greedy"]
    assert (f"WER {g['wer']:.2f} % [95% CI {g['ci95'][0]:.2f}, {g['ci95'][1]:.2f}] "
            f"({g['words']} words, 24 utterances") in r.stdout


def test_comparing_a_variant_with_itself_finds_no_difference(erg_bin, slice_dir):
    j = eval_json(erg_bin, slice_dir, "--variant", "asr.joiner:bits=8",
                  "--compare-variant", "asr.joiner:bits=8")
    for name in ("greedy", "beam"):
        c = j[name]["comparison"]
        assert c["wer_difference"] == 0 and c["ci95"] == [0, 0]
        assert c["significant"] is False
        assert c["verdict"] == "no difference: the CI contains 0"
        assert c["words"] == j[name]["words"] and c["utterances"] == 24
        assert j["compare"][name]["wer"] == j[name]["wer"]
    r = run(erg_bin, "run", "asr", "--model", "asr-lstm", "--beam", "1", "--eval", str(slice_dir),
            "--compare-variant", "")
    assert r.returncode == 0, r.stderr
    assert "WER(fp32) - WER(fp32) = 0.00 points [95% CI 0.00, 0.00]" in r.stdout
    assert "no difference: the CI contains 0" in r.stdout


def test_comparison_against_the_unmodified_model(erg_bin, slice_dir):
    j = eval_json(erg_bin, slice_dir, "--variant", "asr:bits=4,prune=0.6",
                  "--compare-variant", "")
    c = j["greedy"]["comparison"]
    assert c["variant_b"] == ""
    assert c["wer_difference"] == pytest.approx(c["wer_b"] - c["wer_a"])
    assert c["ci95"][0] <= c["wer_difference"] <= c["ci95"][1]
    assert c["significant"] == (c["ci95"][0] > 0 or c["ci95"][1] < 0)


def test_eval_option_checks(erg_bin, slice_dir):
    base = ["run", "asr", "--model", "asr-lstm", "--eval", str(slice_dir)]
    for bad in ("10", "2000000", "x"):
        r = run(erg_bin, *base, "--resamples", bad)
        assert r.returncode == 2 and "--resamples" in r.stderr, r.stderr
    r = run(erg_bin, *base, "--threads", "100000")
    assert r.returncode == 2 and "--threads" in r.stderr
    wav = str(TESTSET / "test-000003.flac")
    for opt, value in (("--compare-variant", ""), ("--resamples", "2000")):
        r = run(erg_bin, "run", "asr", "--model", "asr-lstm", opt, value, wav)
        assert r.returncode == 2 and f"{opt} applies to --eval" in r.stderr


def test_bindings_evaluate_equals_the_cli(erg_bin, slice_dir):
    import erg
    asr = erg.load_asr("asr-lstm")
    r = asr.evaluate(slice_dir)  # greedy
    cli = eval_json(erg_bin, slice_dir)["greedy"]
    for key in ("wer", "ci95", "words", "sub", "del", "ins", "utterances", "resamples", "voices",
                "train_voices", "heldout_mean", "groups"):
        assert r[key] == cli[key], key
    check_decoding(r, 24)
    assert len(r["per_utterance"]) == 24 and len(r["hypotheses"]) == 24
    assert r["variant"] == "" and r["wer_percent"] == r["wer"]


def test_bindings_compare_wer(slice_dir):
    import erg
    a = erg.load_asr("asr-lstm").evaluate(slice_dir, max_utterances=8)
    same = erg.compare_wer(a, a)
    assert same["wer_difference"] == 0 and same["ci95"] == [0, 0]
    assert same["significant"] is False
    assert same["verdict"] == "no difference: the CI contains 0"
    assert same["utterances"] == 8 and same["words"] == a["words"]
    b = erg.load_asr("asr-lstm", variant="asr:bits=4,prune=0.6").evaluate(slice_dir,
                                                                           max_utterances=8)
    c = erg.compare_wer(a, b)
    assert c["variant_b"] == b["variant"] != ""
    assert c["wer_difference"] == pytest.approx(b["wer"] - a["wer"])
    assert c["ci95"][0] <= c["wer_difference"] <= c["ci95"][1]
    assert erg.compare_wer(a, b) == c  # fixed seed
    fewer = erg.load_asr("asr-lstm").evaluate(slice_dir, max_utterances=5)
    with pytest.raises(erg.Error):
        erg.compare_wer(a, fewer)
    with pytest.raises(erg.Error, match="resamples"):
        erg.compare_wer(a, a, resamples=10)


def test_bindings_compare_wer_names_two_models(slice_dir):
    import erg
    a = erg.load_asr("asr-lstm").evaluate(slice_dir, max_utterances=8)
    b = erg.load_asr("asr-emformer").evaluate(slice_dir, max_utterances=8)
    c = erg.compare_wer(a, b)
    assert (c["model_a"], c["model_b"]) == ("asr-lstm", "asr-emformer")
    if c["significant"]:
        assert "'asr-emformer' is " in c["verdict"] and c["verdict"].endswith(
            "than 'asr-lstm': the CI lies " + ("above 0" if c["ci95"][0] > 0 else "below 0"))
    else:
        assert c["verdict"] == "no difference: the CI contains 0"
    assert "unmodified" not in c["verdict"]


def test_bindings_compare_wer_names_two_checkpoints_of_one_model(slice_dir, tmp_path):
    """Two files of one architecture share the model name; the verdict names the files."""
    import copy
    import shutil
    import erg
    other = tmp_path / "asr-lstm-copy.safetensors"
    shutil.copy(MODEL, other)
    shutil.copy(MODEL.with_suffix(".json"), other.with_suffix(".json"))
    a = erg.load_asr("asr-lstm").evaluate(slice_dir, max_utterances=8)
    b = erg.load_asr(str(other)).evaluate(slice_dir, max_utterances=8)
    assert os.path.samefile(a["weights"], MODEL) and os.path.samefile(b["weights"], other)
    same = erg.compare_wer(a, b)
    assert same["model_a"] == same["model_b"] == "asr-lstm"
    assert same["wer_difference"] == 0 and same["verdict"] == "no difference: the CI contains 0"
    # Every word of b's utterances wrong: b is worse beyond any noise, and named by its file.
    worse = copy.deepcopy(b)
    for u in worse["per_utterance"]:
        u["sub"], u["del"], u["ins"] = u["words"], 0, 0
    c = erg.compare_wer(a, worse)
    assert c["significant"] and c["ci95"][0] > 0
    assert c["verdict"] == (f"'{b['weights']}' is worse than '{a['weights']}': "
                            "the CI lies above 0")
