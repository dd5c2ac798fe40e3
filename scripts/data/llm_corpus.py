#!/usr/bin/python3
"""Build the byte-level text corpus for the LayerSkip LLM (issue 5).

Reads free text shipped by Debian packages:
  bible-kjv-text + bible-kjv   /usr/lib/bible.data, decoded with `bible -f` (one verse a line)
  jargon-text                  /usr/share/doc/jargon-text/jargon.txt.gz
  fortunes, fortunes-min       /usr/share/games/fortunes/* (ASCII-art files left out)

Splits the text into documents (a Bible chapter, a Jargon File entry or chapter,
one fortune), normalises it (overstrike removed, curly quotes and dashes mapped
to ASCII, tabs expanded, NFC), and assigns whole documents to the held-out split
with a seeded RNG (--val-fraction of the documents of every source).

Tokenizer: byte-level. Ids 0..255 are the UTF-8 bytes; BOS = 256, EOS = 257,
PAD = 258 (vocab 259). A split is the concatenation of BOS + bytes + EOS for
every document, in document order.

Writes to --out (default data/llm/, git-ignored):
  train.u16, val.u16   token ids, little-endian uint16
  train.txt, val.txt   the same documents as text, separated by a blank line + "\\f\\n"
  manifest.json        sources with sha256, document / byte counts, seed
"""

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import subprocess
import unicodedata

import numpy as np

BOS_ID, EOS_ID, PAD_ID = 256, 257, 258

BIBLE_DATA = "/usr/lib/bible.data"
JARGON_TXT = "/usr/share/doc/jargon-text/jargon.txt.gz"
FORTUNE_DIR = "/usr/share/games/fortunes"
# ASCII art and the translators' note are not prose.
FORTUNE_EXCLUDE = {"art", "ascii-art", "translate-me"}

ASCII_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2013": "-", "\u2014": "--", "\u2015": "--", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u00b7": ".", "\u2022": "*",
}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def normalise(text):
    text = re.sub(r".\x08", "", text)  # overstrike: "_\bX" and "X\bX"
    text = unicodedata.normalize("NFC", text)
    text = "".join(ASCII_MAP.get(c, c) for c in text)
    text = text.expandtabs(8)
    text = "".join(c for c in text if c == "\n" or c >= " " and c != "\x7f")
    lines = [ln.rstrip() for ln in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip("\n") + "\n"


def bible_documents():
    """One document per chapter: 'Ge 1' header, then '<verse> <text>' lines."""
    out = subprocess.run(["bible", "-f", "Ge1:1-Re22:21"], check=True,
                         capture_output=True, text=True, env={**os.environ, "COLUMNS": "0"}).stdout
    chapters = {}
    order = []
    for line in out.splitlines():
        m = re.match(r"^([1-3]?[A-Za-z]+)(\d+):(\d+) (.*)$", line)
        if not m:
            continue
        key = (m.group(1), int(m.group(2)))
        if key not in chapters:
            chapters[key] = [f"{key[0]} {key[1]}"]
            order.append(key)
        chapters[key].append(f"{m.group(3)} {m.group(4)}")
    return ["\n".join(chapters[k]) for k in order]


HEADING = re.compile(r"^(Chapter \d+\.|Appendix [A-Z]\.|Glossary$|Bibliography$)")
ENTRY = re.compile(r"^   :[^ ].*:")


def jargon_documents():
    """Chapters/appendices and one document per glossary entry; the glossary index is dropped."""
    with gzip.open(JARGON_TXT, "rt", encoding="utf-8") as f:
        lines = f.read().replace("\u00a0", " ").split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("Chapter 1."))
    docs, cur = [], []
    for ln in lines[start:]:
        if (HEADING.match(ln) or ENTRY.match(ln)) and cur:
            docs.append(cur)
            cur = []
        if re.fullmatch(r"\s*[\u2550\u2500=]+\s*", ln):
            continue
        cur.append(ln[3:] if ln.startswith("   ") else ln)
    docs.append(cur)
    return ["\n".join(d) for d in docs if d[0] != "Glossary"]


def fortune_documents():
    docs = []
    for name in sorted(os.listdir(FORTUNE_DIR)):
        path = os.path.join(FORTUNE_DIR, name)
        if "." in name or name in FORTUNE_EXCLUDE or not os.path.isfile(path):
            continue
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        docs.extend(p for p in re.split(r"(?m)^%\n", text) if p.strip())
    return docs


def source_files():
    files = [BIBLE_DATA, JARGON_TXT]
    for name in sorted(os.listdir(FORTUNE_DIR)):
        if "." not in name and name not in FORTUNE_EXCLUDE:
            files.append(os.path.join(FORTUNE_DIR, name))
    return files


def encode(docs):
    ids = []
    for d in docs:
        ids.append(BOS_ID)
        ids.extend(d.encode("utf-8"))
        ids.append(EOS_ID)
    return np.asarray(ids, dtype="<u2")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/llm", help="output directory (git-ignored)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--val-fraction", type=float, default=0.05, help="fraction of documents held out, per source")
    args = ap.parse_args()

    sources = {"bible-kjv": bible_documents(), "jargon": jargon_documents(), "fortunes": fortune_documents()}
    rng = random.Random(args.seed)
    train, val, stats = [], [], {}
    for name, docs in sources.items():
        docs = [normalise(d) for d in docs]
        docs = [d for d in docs if d.strip()]
        idx = list(range(len(docs)))
        rng.shuffle(idx)
        n_val = max(1, round(args.val_fraction * len(docs)))
        val_idx = set(idx[:n_val])
        tr = [d for i, d in enumerate(docs) if i not in val_idx]
        va = [d for i, d in enumerate(docs) if i in val_idx]
        train.extend(tr)
        val.extend(va)
        stats[name] = {"documents": len(docs), "train_documents": len(tr), "val_documents": len(va),
                       "train_bytes": sum(len(d.encode()) for d in tr),
                       "val_bytes": sum(len(d.encode()) for d in va)}
    # Mix sources in the training stream so that any window is not one source only.
    rng.shuffle(train)

    os.makedirs(args.out, exist_ok=True)
    for split, docs in (("train", train), ("val", val)):
        encode(docs).tofile(os.path.join(args.out, f"{split}.u16"))
        with open(os.path.join(args.out, f"{split}.txt"), "w", encoding="utf-8") as f:
            f.write("\n\f\n".join(docs))
    manifest = {
        "seed": args.seed,
        "val_fraction": args.val_fraction,
        "tokenizer": {"type": "bytes", "vocab_size": 259, "bos_id": BOS_ID, "eos_id": EOS_ID, "pad_id": PAD_ID},
        "sources": {p: sha256_file(p) for p in source_files()},
        "splits": stats,
        "train_tokens": int(sum(len(d.encode()) + 2 for d in train)),
        "val_tokens": int(sum(len(d.encode()) + 2 for d in val)),
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps({k: manifest[k] for k in ("splits", "train_tokens", "val_tokens")}, indent=2))


if __name__ == "__main__":
    main()
