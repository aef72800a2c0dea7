#!/usr/bin/env python3
"""Independent check of `bfpo-worker tokenize` against Hugging Face `tokenizers`.

Trains fresh byte-level BPE tokenizers (seeds, sizes, corpora and settings not used for the committed
fixtures: vocabularies of 300 to 4000, prefix space on and off, regex on and off, ignore_merges,
unknown-token variants with bytes missing from the vocabulary, merges as pairs and as strings, added
tokens with lstrip/rstrip/single_word/normalized), plus vocab.json + merges.txt (also compared with
transformers' GPT2TokenizerFast) and the byte tokenizer written by `bfpo-worker make-tokenizer`.
For each it generates fresh random texts (scripts/tokenizer_texts.py: every Unicode category, emoji
ZWJ sequences, CJK, Arabic, combining marks, whitespace mixes, contractions, digit and punctuation
runs, added tokens glued to words, long words, and concatenations of random vocabulary tokens), runs
`bfpo-worker tokenize` and compares every id with `tokenizer.encode(text).ids`; then runs
`bfpo-worker tokenize --decode` on those ids and checks the round trip (the text itself, or
`tokenizers`' decoding where lstrip/rstrip tokens or missing bytes make it lossy).

Unless --quick, it also probes every Unicode scalar c once, with the text "a" c "1" c "!" c "  " c "qq"
(qq a single_word added token): its pieces show how the worker classes c for the pre-tokenizer's
\p{L}, \p{N} and \s and for added tokens' \w, which must agree with tokenizers' regex engines.

Prints counts per tokenizer and exits non-zero on any mismatch.

Usage: scripts/check_tokenizer.py --worker PATH [--texts N] [--seed S] [--quick]   (needs tokenizers, transformers)
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

import tokenizer_texts as texts

SPECIALS = ["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"]

# Added tokens beyond the specials: (content, options). Whitespace inside tokens, overlaps between
# tokens, non-ASCII content, and a normalized token that the non-normalized pass pre-empts.
EXTRA_ADDED = [
    ("<mask>", dict(lstrip=True, special=True, normalized=False)),
    ("[R]", dict(rstrip=True, normalized=False)),
    ("<w>", dict(single_word=True, lstrip=True, rstrip=True, normalized=False)),
    ("qux", dict(single_word=True)),
    ("Zebra", dict(normalized=False)),
    ("ab", dict(normalized=True)),
    ("abc", dict(normalized=False)),
    ("<|user|>x", dict(normalized=True)),
    ("日本語", dict(normalized=True, single_word=True)),
    ("é", dict(normalized=True)),
    ("  ", dict(normalized=False)),
    (" hi", dict(rstrip=True, normalized=True)),
    ("🤖", dict(lstrip=True, normalized=False)),
]

CONFIGS = [
    dict(name="gpt2-1000-pairs", vocab=1000, lines=3000, prefix=False, regex=True, merges="pairs", added="all"),
    dict(name="gpt2-300-strings", vocab=300, lines=1500, prefix=False, regex=True, merges="strings", added="specials"),
    dict(name="gpt2-4000-pairs", vocab=4000, lines=8000, prefix=False, regex=True, merges="pairs", added="specials"),
    dict(name="prefix-space-800", vocab=800, lines=2500, prefix=True, regex=True, merges="strings", added="all"),
    dict(name="no-regex-600", vocab=600, lines=2000, prefix=False, regex=False, merges="pairs", added="all"),
    dict(name="ignore-merges-1500", vocab=1500, lines=3000, prefix=False, regex=True, merges="pairs", added="specials",
         ignore_merges=True),
    dict(name="unk-fused-400", vocab=400, lines=1500, prefix=False, regex=True, merges="pairs", added="specials",
         unk=True, fuse=True, alphabet=False),
    dict(name="unk-unfused-400", vocab=400, lines=1500, prefix=False, regex=True, merges="strings", added="specials",
         unk=True, fuse=False, alphabet=False),
    dict(name="missing-bytes-dropped-400", vocab=400, lines=1500, prefix=False, regex=True, merges="pairs",
         added="specials", alphabet=False),
]


def train(config, rng):
    model = models.BPE(unk_token="<unk>" if config.get("unk") else None, fuse_unk=config.get("fuse", False),
                       ignore_merges=config.get("ignore_merges", False))
    tokenizer = Tokenizer(model)
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=config["prefix"], use_regex=config["regex"])
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    specials = (["<unk>"] if config.get("unk") else []) + SPECIALS
    alphabet = pre_tokenizers.ByteLevel.alphabet() if config.get("alphabet", True) else []
    trainer = trainers.BpeTrainer(vocab_size=config["vocab"], min_frequency=2, special_tokens=specials,
                                  initial_alphabet=alphabet, show_progress=False)
    tokenizer.train_from_iterator(texts.corpus(rng, config["lines"]), trainer)
    if config["added"] == "all":
        extra = list(EXTRA_ADDED)
        rng.shuffle(extra)   # ids are assigned in list order
        for content, options in extra:
            token = AddedToken(content, **options)
            (tokenizer.add_special_tokens if options.get("special") else tokenizer.add_tokens)([token])
    return tokenizer


def save(tokenizer, path, merges_format):
    data = json.loads(tokenizer.to_str())
    if merges_format == "strings":
        data["model"]["merges"] = [" ".join(p) if isinstance(p, list) else p for p in data["model"]["merges"]]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    return Tokenizer.from_file(path)   # what the file itself gives, in case saving changed anything


def vocabulary_text(tokenizer, rng):
    """Random vocabulary tokens decoded and glued together: exercises merges at their boundaries."""
    size = tokenizer.get_vocab_size()
    ids = [rng.randrange(size) for _ in range(rng.randint(1, 30))]
    return tokenizer.decode(ids, skip_special_tokens=rng.random() < 0.5)


def make_texts(tokenizer, rng, count):
    added = [t.content for t in tokenizer.get_added_tokens_decoder().values()]
    result = []
    for i in range(count):
        r = rng.random()
        if r < 0.15:
            result.append(vocabulary_text(tokenizer, rng))
        elif r < 0.17:
            result.append(texts.text(rng, added, pieces=rng.randint(200, 600)))   # long texts
        else:
            result.append(texts.text(rng, added))
    return result


def run_worker(worker, tokenizer_path, lines, decode=False):
    arguments = [worker, "tokenize", "--tokenizer", tokenizer_path] + (["--decode"] if decode else [])
    started = time.time()
    result = subprocess.run(arguments, input="".join(lines).encode("utf-8"), capture_output=True, timeout=600)
    if result.returncode != 0:
        sys.exit(f"{' '.join(arguments)} failed ({result.returncode}):\n{result.stderr.decode(errors='replace')}")
    # split on line feeds only: str.splitlines() would also split inside strings holding U+2028 or U+0085
    lines = result.stdout.decode("utf-8").split("\n")
    return (lines[:-1] if lines and lines[-1] == "" else lines), time.time() - started


def expected_decoding(tokenizer, ids):
    """What decode should give: `tokenizers`' decoding, except that added tokens are written as their
    own text (the ByteLevel decoder of `tokenizers` maps an added token like "é" through the byte table)."""
    added = tokenizer.get_added_tokens_decoder()
    out = bytearray()
    byte_of = {c: b for c, b in zip(BYTE_CHARS, range(256))}
    for i in ids:
        if i in added:
            out += added[i].content.encode("utf-8")
        else:
            token = tokenizer.id_to_token(i)
            if token is None:
                continue
            if all(c in byte_of for c in token):
                out += bytes(byte_of[c] for c in token)
            else:
                out += token.encode("utf-8")
    return out.decode("utf-8", errors="replace")


def byte_chars():
    chars, n = [], 0
    for b in range(256):
        if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF:
            chars.append(chr(b))
        else:
            chars.append(chr(256 + n))
            n += 1
    return chars


BYTE_CHARS = byte_chars()


def check(name, worker, path, tokenizer, sample, rng, reference=None):
    """Compares the worker with `tokenizer` (and `reference`, a callable text -> ids, if given)."""
    lines = []
    for text in sample:
        encoded = json.dumps(text, ensure_ascii=rng.random() < 0.5)
        lines.append(rng.choice(["", "", " ", "\t"]) + encoded + rng.choice(["", "", " ", "\r"]) + "\n")
    output, seconds = run_worker(worker, path, lines)
    if len(output) != len(sample):
        print(f"{name}: worker wrote {len(output)} lines for {len(sample)} texts")
        return 1
    mismatches = 0
    token_count = 0
    expected_ids = []
    for text, line in zip(sample, output):
        ids = tokenizer.encode(text).ids
        if reference is not None:
            other = reference(text)
            if other != ids:
                print(f"{name}: tokenizers and transformers disagree on {text!r}: {ids} vs {other}")
                mismatches += 1
        expected_ids.append(ids)
        token_count += len(ids)
        got = json.loads(line)
        if got != ids:
            mismatches += 1
            if mismatches <= 5:
                first = next((k for k, (a, b) in enumerate(zip(ids, got)) if a != b), min(len(ids), len(got)))
                print(f"{name}: MISMATCH on {text!r:.300}\n  tokenizers: {ids[max(0, first - 3):first + 8]}\n"
                      f"  worker:     {got[max(0, first - 3):first + 8]} (first difference at token {first})")
    decoded, _ = run_worker(worker, path, [json.dumps(ids) + "\n" for ids in expected_ids], decode=True)
    decode_mismatches = exact = 0
    for text, ids, line in zip(sample, expected_ids, decoded):
        got = json.loads(line)
        want = expected_decoding(tokenizer, ids)
        exact += got == text
        if got != want:
            decode_mismatches += 1
            if decode_mismatches <= 5:
                print(f"{name}: DECODE MISMATCH for {text!r:.200}: worker {got!r:.200}, expected {want!r:.200}")
    rate = token_count / seconds if seconds > 0 else 0
    print(f"{name:28s} {len(sample):5d} texts {token_count:8d} ids: {mismatches} id mismatches, "
          f"{decode_mismatches} decode mismatches ({exact} exact round trips); worker {seconds:.2f} s incl. loading, "
          f"{rate / 1e6:.2f} M ids/s")
    return mismatches + decode_mismatches


def check_every_scalar(worker, directory):
    """One probe text per Unicode scalar through a tokenizer without merges, so ids show every split."""
    tokenizer = Tokenizer(models.BPE(vocab={c: i for i, c in enumerate(BYTE_CHARS)}, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_tokens([AddedToken("qq", single_word=True, normalized=False),
                          AddedToken("<m>", lstrip=True, normalized=False)])
    path = os.path.join(directory, "probe.json")
    tokenizer.save(path)
    scalars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    sample = ["a" + c + "1" + c + "!" + c + "  " + c + "qq" + c + "<m>" for c in scalars]
    output, seconds = run_worker(worker, path, [json.dumps(t) + "\n" for t in sample])
    expected = [e.ids for e in tokenizer.encode_batch(sample)]
    mismatches = [t for t, line, ids in zip(sample, output, expected) if json.loads(line) != ids]
    for text in mismatches[:5]:
        print(f"every-scalar: MISMATCH for U+{ord(text[1]):04X}")
    print(f"{'every scalar':28s} {len(sample):7d} texts: {len(mismatches)} mismatches; worker {seconds:.2f} s")
    return len(mismatches) + abs(len(output) - len(sample))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", required=True, help="path of the bfpo-worker binary")
    parser.add_argument("--texts", type=int, default=1500, help="random texts per tokenizer (default 1500)")
    parser.add_argument("--seed", type=int, default=None, help="seed (default: random, printed)")
    parser.add_argument("--quick", action="store_true", help="skip the probe of every Unicode scalar (~20 s)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    print(f"seed {seed}")
    rng = random.Random(seed)
    failures = 0
    total = 0
    with tempfile.TemporaryDirectory() as directory:
        for config in CONFIGS:
            tokenizer = train(config, random.Random(rng.getrandbits(32)))
            path = os.path.join(directory, config["name"] + ".json")
            tokenizer = save(tokenizer, path, config["merges"])
            sample = make_texts(tokenizer, rng, args.texts)
            failures += check(config["name"], args.worker, path, tokenizer, sample, rng)
            total += len(sample)

        # vocab.json + merges.txt, as GPT-2 shipped them; transformers' fast GPT-2 tokenizer as a second opinion.
        from transformers import GPT2TokenizerFast
        config = dict(name="vocab-merges", vocab=2000, lines=4000, prefix=False, regex=True, merges="pairs", added="none")
        trained = train(config, random.Random(rng.getrandbits(32)))
        files = os.path.join(directory, "vocab-merges")
        os.makedirs(files)
        trained.model.save(files)
        reference = Tokenizer(models.BPE.from_file(os.path.join(files, "vocab.json"), os.path.join(files, "merges.txt")))
        reference.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
        reference.decoder = decoders.ByteLevel()
        reference.add_special_tokens([AddedToken("<|endoftext|>", special=True, normalized=False)])
        fast = GPT2TokenizerFast.from_pretrained(files)
        sample = make_texts(reference, rng, args.texts)
        failures += check("vocab-merges", args.worker, files, reference, sample, rng,
                          reference=lambda text: fast(text)["input_ids"])
        total += len(sample)

        # The byte tokenizer, as the worker writes it.
        path = os.path.join(directory, "byte.json")
        subprocess.run([args.worker, "make-tokenizer", "--out", path], check=True, capture_output=True)
        byte = Tokenizer.from_file(path)
        assert byte.get_vocab_size() == 260, byte.get_vocab_size()
        assert [byte.token_to_id(s) for s in SPECIALS] == [256, 257, 258, 259]
        sample = make_texts(byte, rng, args.texts)
        failures += check("byte (make-tokenizer)", args.worker, path, byte, sample, rng)
        total += len(sample)

        if not args.quick:
            failures += check_every_scalar(args.worker, directory)

    print(f"{total} texts checked: {'all equal' if failures == 0 else f'{failures} MISMATCHES'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
