import Foundation

/// The tokenizer of models trained from scratch: id b is byte b (0…255), then the special tokens the
/// chat template needs (docs/contracts.md, "Chat template") as ids 256…259.
///
/// It is written as an ordinary `tokenizer.json` that `tokenizers` loads natively and gives the same
/// ids: a BPE model with no merges whose vocabulary maps the byte-level scalar of byte b
/// (`ByteEncoding`) to b, the ByteLevel pre-tokenizer and decoder, and the specials as added tokens.
public enum ByteTokenizer {
    /// The special tokens, in id order from 256: end of text first.
    public static let specialTokens = ["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"]

    public static var vocabularySize: Int { 256 + specialTokens.count }

    /// The special tokens' roles for `transformers`: `<|endoftext|>` (id 256) is all of them, as in GPT-2.
    public static var roles: SpecialTokens { SpecialTokens(endOfText: .init(content: specialTokens[0], id: 256)) }

    /// The tokenizer itself, identical to loading `json()`.
    public static func make() -> ByteLevelBPETokenizer {
        let vocabulary = Dictionary(uniqueKeysWithValues: (0..<256).map {
            (String(Unicode.Scalar(ByteEncoding.scalars[$0])!), $0)
        })
        // The inputs are fixed and valid: an error here could only be a bug.
        return try! ByteLevelBPETokenizer(vocabulary: vocabulary, merges: [], addedTokens: addedTokens, source: "byte tokenizer")
    }

    private static var addedTokens: [AddedToken] {
        specialTokens.enumerated().map { AddedToken(content: $1, id: 256 + $0, special: true) }
    }

    /// The `tokenizer.json` text, laid out like the files `tokenizers` writes (vocabulary in id order).
    public static func json() -> String {
        let added = addedTokens.map {
            "    {\"id\": \($0.id), \"content\": \(quoted($0.content)), \"single_word\": false, \"lstrip\": false, "
                + "\"rstrip\": false, \"normalized\": false, \"special\": true}"
        }
        let vocabulary = (0..<256).map { "      \(quoted(String(Unicode.Scalar(ByteEncoding.scalars[$0])!))): \($0)" }
        return """
            {
              "version": "1.0",
              "truncation": null,
              "padding": null,
              "added_tokens": [
            \(added.joined(separator: ",\n"))
              ],
              "normalizer": null,
              "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
              "post_processor": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
              "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
              "model": {
                "type": "BPE",
                "dropout": null,
                "unk_token": null,
                "continuing_subword_prefix": null,
                "end_of_word_suffix": null,
                "fuse_unk": false,
                "byte_fallback": false,
                "ignore_merges": false,
                "vocab": {
            \(vocabulary.joined(separator: ",\n"))
                },
                "merges": []
              }
            }

            """
    }

    /// Writes `json()` to `path`, replacing any file there.
    public static func write(to path: String) throws {
        do {
            try Data(json().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TokenizerError.unwritable(file: path, reason: error.localizedDescription)
        }
    }

    /// A JSON string literal; byte-level scalars are all printable, so only `"` and `\` need escapes.
    private static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
