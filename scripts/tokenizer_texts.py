"""Random text for training and checking byte-level BPE tokenizers (used by make_tokenizer_fixtures.py
and check_tokenizer.py).

Texts mix what trips tokenizers: English with contractions (also uppercase), code, CJK, Hangul, kana,
Arabic, Hebrew, Devanagari and Thai, combining marks, emoji incl. ZWJ sequences, skin tones, flags and
keycaps, digit runs in several scripts, punctuation runs, every kind of whitespace (runs of spaces
before words and at the end, tabs, CR/LF, NBSP, ideographic space, U+0085, U+2028, ...), control
characters, random code points of every general category (including ones assigned only in recent
Unicode versions), very long words, and added tokens glued to words.
"""
import random
import unicodedata

WORDS = """the of and to in is was he for it with as his on be at by had are but from or have an they which
one you were her all she there would their we him been has when who will more no if out so said what up its
about into than them can only other new some could time these two may then do first any my now such like our
over man me even most made after also did many before must through back years where much your way well down
should because each just those people how too little state good very make world still own see men work long
get here between both life being under never day same another know while last might us great old year off
come since against go came right used take three tokenizer merge byte pair encoding model training data
Hello World Python Swift GPT OpenAI HuggingFace""".split()

CONTRACTIONS = ["don't", "it's", "we're", "they've", "I'm", "we'll", "he'd", "IT'S", "DON'T", "You'Re",
                "cat's", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "''s", "' s", "rock'n'roll",
                "o'clock", "y'all", "'", "''", "'''"]

CODE = ["def f(x):\n    return x**2\n", "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}",
        "let x = [1, 2, 3].map { $0 * 2 }", "if a != b && c >= d { return nil }", "#include <stdio.h>",
        "print(\"hello\\n\")", "{\"key\": [true, null, 3.5e-7]}", "SELECT * FROM t WHERE id=42;",
        "x => x + 1", "a_b_c = __init__()", "/* comment */ // another", "<div class=\"x\">&amp;</div>"]

SPACES = [" ", "  ", "   ", "    ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r", " \n", "\n ", " \t ", "\u00a0",
          "\u3000", "\u2009", "\u200b", "\u0085", "\u2028", "\u2029", "\x0b", "\x0c", "\u1680", "\u202f",
          "\u205f", " \u00a0 ", "\r\n\r\n", "        "]

PUNCT = ["!", "!!!", "?", "?!", "...", "..", ",", ";", ":", "-", "--", "---", "***", "(", ")", "[]", "{}",
         "\"", "«", "»", "“", "”", "‘", "’", "@", "#", "$", "%", "^", "&", "|", "~", "`", "<", ">", "/", "\\",
         "¿", "¡", "…", "—", "–", "·", "•", "§", "©", "®", "™", "°", "±", "×", "÷", "€", "£", "¥", "₹"]

EMOJI = ["😀", "😂", "🥲", "👍", "👍🏽", "👩🏿‍💻", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵", "1️⃣", "#️⃣", "❤️", "✨",
         "🎉", "🤖", "🧑‍🚀", "🐈‍⬛", "👁️‍🗨️", "☺", "✌🏻", "🫠", "🫶🏼", "⚡", "🔥🔥🔥", "😀😀"]

DIGITS = ["0", "7", "42", "123", "2024", "3.14159", "1,000,000", "007", "1e10", "0x1F", "٣٤٥", "१२३",
          "１２３", "²³", "½", "Ⅻ", "①②", "〇", "12345678901234567890"]


def _from_ranges(rng, ranges, count):
    return "".join(chr(rng.randint(a, b)) for a, b in (rng.choice(ranges) for _ in range(count)))


SCRIPTS = {
    "cjk": [(0x4E00, 0x9FFF)], "kana": [(0x3041, 0x3096), (0x30A1, 0x30FA)], "hangul": [(0xAC00, 0xD7A3)],
    "arabic": [(0x0621, 0x064A)], "hebrew": [(0x05D0, 0x05EA)], "cyrillic": [(0x0410, 0x044F)],
    "greek": [(0x0391, 0x03C9)], "thai": [(0x0E01, 0x0E3A)], "devanagari": [(0x0915, 0x0939), (0x093E, 0x094C)],
    "latin_ext": [(0x00C0, 0x024F)],
}

# Scalars assigned in Unicode 17 (letters and digits there, unassigned for tokenizers' Unicode 16 tables).
RECENT = [0x088F, 0x0C5C, 0x0CDC, 0xA7CE, 0x10940, 0x10945, 0x11DE0, 0x11DE5, 0x16FF4]


def random_codepoint(rng):
    """Any scalar (surrogates excluded), biased towards the BMP."""
    while True:
        value = rng.randint(0x80, 0xFFFF) if rng.random() < 0.7 else rng.randint(0x10000, 0x10FFFF)
        if not 0xD800 <= value <= 0xDFFF:
            return chr(value)


def by_category(rng, categories, tries=200):
    for _ in range(tries):
        c = random_codepoint(rng)
        if unicodedata.category(c) in categories:
            return c
    return "x"


def combining(rng):
    base = rng.choice("aeiouAEIOUnc")
    return base + "".join(chr(rng.randint(0x0300, 0x036F)) for _ in range(rng.randint(1, 3)))


def word(rng):
    w = rng.choice(WORDS)
    r = rng.random()
    if r < 0.1:
        w = w.upper()
    elif r < 0.2:
        w = w.capitalize()
    return w


def fragment(rng, added_tokens=(), long_words=True):
    """One random piece of text; `long_words` allows runs of hundreds of letters."""
    kind = rng.random()
    if kind < 0.30:
        return word(rng)
    if kind < 0.38:
        return rng.choice(CONTRACTIONS)
    if kind < 0.44:
        return rng.choice(DIGITS) if rng.random() < 0.5 else str(rng.randint(0, 10 ** rng.randint(1, 12)))
    if kind < 0.52:
        return rng.choice(PUNCT) * rng.choice([1, 1, 1, 2, 3])
    if kind < 0.58:
        return rng.choice(EMOJI)
    if kind < 0.66:
        return _from_ranges(rng, SCRIPTS[rng.choice(sorted(SCRIPTS))], rng.randint(1, 8))
    if kind < 0.69:
        return combining(rng)
    if kind < 0.72:
        return rng.choice(CODE)
    if kind < 0.76:
        return by_category(rng, {rng.choice(["Lu", "Ll", "Lo", "Lm", "Nd", "Nl", "No", "Mn", "Mc", "Me", "Pc", "Pd",
                                             "Ps", "Pe", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Cf", "Co", "Cn"])})
    if kind < 0.78:
        return random_codepoint(rng)
    if kind < 0.79:
        return chr(rng.choice(RECENT))
    if kind < 0.80:
        return chr(rng.randint(0, 0x1F)) if rng.random() < 0.8 else "\x7f"
    if kind < 0.81 and long_words:
        return rng.choice("ab") * rng.randint(50, 400)
    if kind < 0.82 and long_words:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(100, 600)))
    if kind < 0.90 and added_tokens:
        token = rng.choice(added_tokens)
        shape = rng.random()
        if shape < 0.25:
            return word(rng) + token + word(rng)            # glued mid-word
        if shape < 0.5:
            return rng.choice(SPACES) + token + rng.choice(SPACES)
        if shape < 0.6:
            return token + token
        if shape < 0.7:
            return token[: max(1, len(token) - 1)]          # a prefix that must not match
        return token
    return rng.choice(SPACES)


def text(rng, added_tokens=(), pieces=None, long_words=True):
    """A random text of `pieces` fragments, joined by spaces or nothing or other whitespace."""
    n = pieces if pieces is not None else rng.choice([0, 1, 2, 3, 5, 8, 13, 20, 40])
    out = []
    for _ in range(n):
        out.append(fragment(rng, added_tokens, long_words))
        r = rng.random()
        out.append(" " if r < 0.6 else "" if r < 0.8 else rng.choice(SPACES))
    if n and rng.random() < 0.5:
        out.pop()
    return "".join(out)


def corpus(rng, lines, added_tokens=()):
    """Training text: `lines` random texts, biased to words so that merges form real subwords."""
    result = []
    for _ in range(lines):
        if rng.random() < 0.5:
            result.append(" ".join(word(rng) for _ in range(rng.randint(3, 15))) + rng.choice([".", "!", "?", ""]))
        else:
            result.append(text(rng, added_tokens, long_words=False))
    return result
