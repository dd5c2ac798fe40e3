"""The ASR splits' voice plans (scripts/data/asr/make_testset.py): which voices each split may
hold. Planning only; no audio is synthesized, so no TTS engine is needed."""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts", "data", "asr"))

import make_testset  # noqa: E402
import voices  # noqa: E402

TRAIN_ESPEAK = {f"espeak:{a}" + (f"+{v}" if v else "")
                for a in voices.ESPEAK_ACCENTS for v in voices.ESPEAK_VARIANTS}
TRAIN_FLITE = {f"flite:{v}" for v in voices.FLITE_TRAIN}


def voices_of(split, per_voice, train_voice):
    return [(v, h) for _, _, v, h, _ in make_testset.plan(split, per_voice, train_voice, seed=1)]


def test_heldout_dev_voices_are_in_neither_training_nor_test():
    planned = voices_of("heldout-dev", 5, 0)
    names = {v for v, _ in planned}
    assert names == set(voices.DEV_HELDOUT_VOICES)
    assert len(planned) == 5 * len(voices.DEV_HELDOUT_VOICES)
    assert all(h == 1 for _, h in planned)
    assert not names & (TRAIN_ESPEAK | TRAIN_FLITE)
    assert not names & set(voices.TEST_HELDOUT_VOICES)
    # Not even the variant: a held-out-dev voice is a speaker training never heard.
    train_variants = set(voices.ESPEAK_VARIANTS)
    assert all(v.split("+", 1)[1] not in train_variants for v in names)


def test_test_split_keeps_its_heldout_voices_and_festival_out_of_training():
    planned = voices_of("test", 3, 50)
    held = {v for v, h in planned if h}
    assert held == set(voices.TEST_HELDOUT_VOICES)
    assert not held & (TRAIN_ESPEAK | TRAIN_FLITE)
    train = {v for v, h in planned if not h}
    assert train and train <= TRAIN_ESPEAK | TRAIN_FLITE
    assert not any(v.startswith(voices.HELDOUT_ENGINE + ":") for v in train)


def test_dev_split_holds_training_voices_only():
    planned = voices_of("dev", 7, 40)
    assert len(planned) == 40 and all(h == 0 for _, h in planned)
    assert {v for v, _ in planned} <= TRAIN_ESPEAK | TRAIN_FLITE


def test_plans_are_reproducible_and_ids_unique():
    a = make_testset.plan("heldout-dev", 4, 0, seed=3)
    assert a == make_testset.plan("heldout-dev", 4, 0, seed=3)
    assert a != make_testset.plan("heldout-dev", 4, 0, seed=4)
    assert len({uid for uid, *_ in a}) == len(a)
