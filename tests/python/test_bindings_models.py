"""The shipped engines from Python: ASR transcription and invocation counts against
`erg run asr --json`, the simulator attached to a model run, and the LLM (skipped with the
reason while its weights are not committed)."""

import json
import pathlib
import subprocess

import numpy as np
import pytest

import erg

REPO = pathlib.Path(__file__).resolve().parents[2]
TESTSET = REPO / "tests" / "fixtures" / "asr" / "testset"
LLM_WEIGHTS = REPO / "models" / "weights" / "llm-layerskip.safetensors"
COUNT_KEYS = ("encoder_frames", "encoder_invocations", "predictor_invocations",
              "joiner_invocations", "symbols")


def first_utterances(n):
    lines = (TESTSET / "testset.tsv").read_text().splitlines()[1:1 + n]
    return [TESTSET / line.split("\t")[0] for line in lines]


@pytest.fixture(scope="module")
def asr():
    return erg.load_asr("asr-lstm")


def test_load_audio_is_16k_float32():
    path = first_utterances(1)[0]
    audio = erg.load_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert 0.2 < len(audio) / 16000 < 30
    assert np.abs(audio).max() <= 1.0


def test_transcribe_matches_cli(asr, erg_bin):
    files = first_utterances(2)
    cli = json.loads(subprocess.run([erg_bin, "run", "asr", "--model", "asr-lstm", "--json",
                                     *map(str, files)],
                                    capture_output=True, text=True, check=True).stdout)
    for path, expected in zip(files, cli["files"]):
        r = asr.transcribe(erg.load_audio(path))
        assert r["text"] == expected["text"]
        for key in COUNT_KEYS:
            assert r[key] == expected[key], key
        assert r["audio_s"] == pytest.approx(expected["audio_s"])
        assert r["decode_s"] > 0


def test_streaming_chunks_give_the_same_result(asr):
    audio = erg.load_audio(first_utterances(1)[0])
    whole = asr.transcribe(audio)
    chunked = asr.transcribe(audio, chunk_samples=1234)
    assert chunked["text"] == whole["text"] and chunked["tokens"] == whole["tokens"]
    # float64 input is converted; greedy with max_symbols is the default decoder.
    assert asr.transcribe(audio.astype(np.float64))["text"] == whole["text"]
    beam = asr.transcribe(audio, beam=4)
    assert isinstance(beam["text"], str)


def test_resampled_input_is_accepted(asr):
    audio = erg.load_audio(first_utterances(1)[0])
    r = asr.transcribe(audio[::2].copy(), sample_rate_hz=8000)
    # Half the samples at half the rate: the same duration, to within one output sample.
    assert r["audio_s"] == pytest.approx(len(audio) / 16000, abs=1e-3)


def test_counters_follow_invocations(asr):
    asr.reset_counters()
    assert all(v == 0 for v in asr.counters().values())
    r = asr.transcribe(erg.load_audio(first_utterances(1)[0]))
    c = asr.counters()
    assert c["encoder_invocations"] == r["encoder_invocations"]
    assert c["joiner_invocations"] == r["joiner_invocations"]
    assert asr.name and asr.weight_bytes > 0 and "AsrModel" in repr(asr)


def test_simulate_attaches_the_simulator(asr):
    audio = erg.load_audio(first_utterances(1)[0])[:16000]  # 1 s keeps trace mode quick
    plain = asr.transcribe(audio)
    for mode in ("analytic", "trace"):
        r = asr.simulate(audio, "wearable-sram2m-lpddr4x", mode=mode)
        assert r["text"] == plain["text"]
        assert r["encoder_invocations"] == plain["encoder_invocations"]
        e = r["simulation"]
        assert e["mode"] == mode and e["preset"] == "wearable-sram2m-lpddr4x"
        assert e["energy"]["total_energy_pj"] > 0
        assert any(c["name"].startswith("asr.joiner") for c in e["components"])
        joiner = sum(v["invocations"] for k, v in r["components"].items()
                     if k == "asr.joiner")
        assert joiner == plain["joiner_invocations"]
    # A model with its joiner in int8 reads fewer weight bytes for the same audio.
    int8 = erg.load_asr("asr-lstm", variant="asr.joiner:bits=8")
    assert int8.variant == "asr.joiner:bits=8"
    assert int8.weight_bytes < asr.weight_bytes


def test_evaluate_scores_a_test_set(asr):
    r = asr.evaluate(max_utterances=3)
    assert r["utterances"] == 3 and len(r["hypotheses"]) == 3
    assert r["wer_percent"] >= 0
    # Every utterance falls in exactly one group: train_voices or its held-out voice.
    assert sum(g["utterances"] for g in r["groups"].values()) == 3
    assert r["encoder_invocations"] > 0


def test_model_errors(asr, erg_bin):
    with pytest.raises(erg.Error) as e:
        erg.load_asr("no-such-model")
    cli = subprocess.run([erg_bin, "run", "asr", "--model", "no-such-model", "x.wav"],
                         capture_output=True, text=True)
    assert cli.returncode == 1
    assert str(e.value) == cli.stderr.strip().splitlines()[0].removeprefix("erg: error: ")
    with pytest.raises(erg.Error, match="bits"):
        erg.load_asr("asr-lstm", variant="asr.joiner:bits=7")
    with pytest.raises(erg.Error, match="1-D"):
        asr.transcribe(np.zeros((2, 100), dtype=np.float32))
    with pytest.raises(erg.Error, match="mode"):
        asr.simulate(np.zeros(1600, dtype=np.float32), "desktop-ddr4", mode="exact")
    with pytest.raises(erg.Error, match="sample_rate_hz"):
        asr.transcribe(np.zeros(100, dtype=np.float32), sample_rate_hz=0)
    with pytest.raises(erg.Error):
        erg.load_audio("/nonexistent.wav")


def test_load_llm_without_weights_names_the_file():
    if LLM_WEIGHTS.exists():
        pytest.skip("the LLM weights are present; test_llm_* cover the model")
    with pytest.raises(erg.Error, match="llm-layerskip"):
        erg.load_llm()


needs_llm = pytest.mark.skipif(not LLM_WEIGHTS.exists(),
                               reason=f"LLM weights not committed yet ({LLM_WEIGHTS} is absent)")


@pytest.fixture(scope="module")
def llm():
    return erg.load_llm()


@needs_llm
def test_llm_strategies(llm):
    prompt = "The weather today is"
    ar = llm.generate(prompt, max_new_tokens=12)
    assert ar["new_tokens"] <= 12 and ar["strategy"] == "ar"
    assert len(ar["layer_invocations"]) == llm.n_layers
    # Greedy self-speculation returns exactly the autoregressive output (generator.hpp).
    spec = llm.generate(prompt, strategy="selfspec", max_new_tokens=12, speculations=3)
    assert spec["text"] == ar["text"] and spec["tokens"] == ar["tokens"]
    assert spec["drafted"] >= spec["accepted"]
    early = llm.generate(prompt, strategy="exit", exit_layer=1, max_new_tokens=4)
    # Early exit at layer 1 runs only the first layer for each token.
    assert all(n == 0 for n in early["layer_invocations"][1:])
    with pytest.raises(erg.Error, match="strategy|ar"):
        llm.generate(prompt, strategy="beam")
    assert llm.config["n_layers"] == llm.n_layers


@needs_llm
def test_llm_text_with_invalid_utf8(llm):
    # The byte-level model may emit bytes that are not UTF-8; text replaces them with U+FFFD
    # (as the CLI's JSON does) instead of raising, and the token ids keep the exact bytes.
    invalid = 0
    for seed in range(8):
        r = llm.generate("\xe9t\xe9", max_new_tokens=48, temperature=3.0, top_k=256, seed=seed)
        raw = bytes(t for t in r["tokens"] if t < 256)
        assert r["text"] == raw.decode("utf-8", errors="replace")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            invalid += 1
    assert invalid > 0, "no sample produced invalid UTF-8; the test exercises nothing"


@needs_llm
def test_llm_simulate(llm):
    r = llm.simulate("Hello", "mobile-7nm-lpddr4x", max_new_tokens=4)
    assert r["simulation"]["energy"]["total_energy_pj"] > 0
    assert any(k.startswith("llm.layer") for k in r["components"])
