import Foundation
import Testing
@testable import Shared

/// `tokenizer.json` and vocab.json + merges.txt are untrusted: each defect is refused with the file
/// and what is wrong named.
struct TokenizerFileTests {
    /// A small valid tokenizer.json: bytes a, b, c, ab, then <|endoftext|>.
    func json(model: String = "", merges: String = #"[["a", "b"]]"#,
              vocab: String = #"{"a": 0, "b": 1, "c": 2, "ab": 3}"#,
              added: String = #"[{"id": 4, "content": "<|endoftext|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}]"#) -> Data {
        Data("""
            {"version": "1.0", "truncation": null, "padding": null, "added_tokens": \(added), "normalizer": null,
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
             "post_processor": null, "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
             "model": {"type": "BPE", "dropout": null, "unk_token": null, \(model) "vocab": \(vocab), "merges": \(merges)}}
            """.utf8)
    }

    /// `json()` with one piece of text replaced.
    func json(replacing target: String, with replacement: String) -> Data {
        let text = String(decoding: json(), as: UTF8.self)
        precondition(text.contains(target))
        return Data(text.replacingOccurrences(of: target, with: replacement).utf8)
    }

    func error(_ data: Data) -> TokenizerError? {
        do {
            _ = try TokenizerFile.parse(data, file: "t.json")
            return nil
        } catch let error as TokenizerError {
            return error
        } catch {
            return nil
        }
    }

    @Test func validFileLoadsWithBothMergeFormats() throws {
        for merges in [#"[["a", "b"]]"#, #"["a b"]"#] {
            let tokenizer = try TokenizerFile.parse(json(merges: merges), file: "t.json")
            #expect(tokenizer.encode("abcab<|endoftext|>") == [3, 2, 3, 4])
            #expect(tokenizer.vocabularySize == 5)
        }
    }

    @Test func refusesWhatWouldChangeIDs() {
        #expect(error(json(model: ###""continuing_subword_prefix": "##","###)) ==
                .unsupported(file: "t.json", field: "model.continuing_subword_prefix", reason: "only null is supported"))
        #expect(error(json(replacing: #""normalizer": null"#, with: #""normalizer": {"type": "NFC"}"#)) ==
                .unsupported(file: "t.json", field: "normalizer", reason: "only null is supported"))
        #expect(error(json(replacing: #""type": "ByteLevel", "add_prefix_space": false"#, with: #""type": "Whitespace", "add_prefix_space": false"#)) ==
                .unsupported(file: "t.json", field: "pre_tokenizer.type", reason: #""Whitespace" is not supported; only ByteLevel"#))
        #expect(error(json(replacing: #""dropout": null"#, with: #""dropout": 0.1"#)) ==
                .unsupported(file: "t.json", field: "model.dropout", reason: "BPE dropout is not supported"))
        #expect(error(json(model: #""byte_fallback": true,"#)) ==
                .unsupported(file: "t.json", field: "model.byte_fallback", reason: "byte fallback is not supported"))
    }

    @Test func unknownModelTypeIsNamed() throws {
        let failure = try #require(error(json(replacing: #""type": "BPE""#, with: #""type": "WordPiece""#)))
        #expect("\(failure)" == #"t.json: field "model.type": model type "WordPiece" is not supported; only BPE"#)
    }

    @Test func mergesNamingUnknownTokensAreRefused() {
        #expect(error(json(merges: #"[["a", "b"], ["a", "z"]]"#)) ==
                .invalidMerge(file: "t.json", index: 2, reason: #""z" is not in the vocabulary"#))
        #expect(error(json(merges: #"[["b", "c"]]"#)) ==
                .invalidMerge(file: "t.json", index: 1, reason: #""bc" is not in the vocabulary"#))
        #expect(error(json(merges: #"["a b c"]"#)) ==
                .invalidMerge(file: "t.json", index: 1, reason: #"expected "left right" (one space) or ["left", "right"]"#))
        #expect(error(json(merges: #"[["a"]]"#)) != nil)
    }

    @Test func badIDsAreRefused() {
        #expect(error(json(vocab: #"{"a": 0, "b": 1, "c": 1, "ab": 3}"#)) ==
                .duplicateID(file: "t.json", id: 1, first: "b", second: "c"))
        #expect(error(json(vocab: #"{"a": 0, "b": -1, "c": 2, "ab": 3}"#)) == .idOutOfRange(file: "t.json", token: "b", id: -1))
        #expect(error(json(vocab: #"{"a": 0, "b": 99999999, "c": 2, "ab": 3}"#)) ==
                .idOutOfRange(file: "t.json", token: "b", id: 99_999_999))
        #expect(error(json(vocab: #"{"a": 0, "b": 1.5, "c": 2, "ab": 3}"#)) ==
                .invalidField(file: "t.json", field: "model.vocab.b", reason: "is not an integer id"))
        #expect(error(json(vocab: #"{"a": 0, "b": true, "c": 2, "ab": 3}"#)) ==
                .invalidField(file: "t.json", field: "model.vocab.b", reason: "is not an integer id"))
    }

    /// `tokenizers` ignores the file's added-token ids and assigns its own; a file where they differ is refused.
    @Test func addedTokenIDsMustBeTheOnesTokenizersAssigns() {
        let added = #"[{"id": 9, "content": "<|endoftext|>", "special": true}]"#
        #expect(error(json(added: added)) == .addedTokenIDMismatch(file: "t.json", token: "<|endoftext|>", id: 9, expected: 4))
        let inVocabulary = #"[{"id": 4, "content": "ab", "special": true}]"#
        #expect(error(json(added: inVocabulary)) == .addedTokenIDMismatch(file: "t.json", token: "ab", id: 4, expected: 3))
        let empty = #"[{"id": 4, "content": "", "special": true}]"#
        #expect(error(json(added: empty)) == .invalidField(file: "t.json", field: "added_tokens[0].content", reason: "is empty"))
    }

    @Test func structuralProblemsAreNamed() {
        #expect(error(Data("{".utf8)).map { "\($0)" }?.hasPrefix("t.json: invalid JSON") == true)
        #expect(error(Data("[]".utf8)) == .invalidJSON(file: "t.json", reason: "the top level is not an object"))
        #expect(error(json(vocab: "[]")) == .invalidField(file: "t.json", field: "model.vocab", reason: "is not an object"))
        #expect(error(json(replacing: #", "merges": [["a", "b"]]"#, with: "")) == .missingField(file: "t.json", field: "model.merges"))
        let template = #""post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]}"#
        #expect(error(json(replacing: #""post_processor": null"#, with: template)).map { "\($0)" }?.contains("adds tokens around the text") == true)
    }

    /// transformers writes GPT-2's post-processor as a TemplateProcessing that adds nothing: accepted.
    @Test func templateThatAddsNothingIsAccepted() throws {
        let data = json(replacing: #""post_processor": null"#,
                        with: #""post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}], "pair": [], "special_tokens": {}}"#)
        #expect(try TokenizerFile.parse(data, file: "t.json").encode("ab") == [3])
    }

    @Test func loaderFindsFilesAndNamesWhatIsMissing() throws {
        try withTemporaryDirectory { directory in
            #expect(throws: TokenizerError.noTokenizerFiles(directory: directory)) { try TokenizerLoader.load(path: directory) }
            let missing = (directory as NSString).appendingPathComponent("nothing.json")
            #expect(throws: TokenizerError.unreadable(file: missing, reason: "no such file or directory")) {
                try TokenizerLoader.load(path: missing)
            }
            try json().write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("tokenizer.json")))
            #expect(try TokenizerLoader.load(path: directory).encode("ab") == [3])
        }
    }

    @Test func mergesTextErrorsNameTheLine() throws {
        try withTemporaryDirectory { directory in
            let vocabulary = (directory as NSString).appendingPathComponent("vocab.json")
            let merges = (directory as NSString).appendingPathComponent("merges.txt")
            try #"{"a": 0, "b": 1, "ab": 2, "<|endoftext|>": 3}"#.write(toFile: vocabulary, atomically: true, encoding: .utf8)
            try "#version: 0.2\r\na b\r\n".write(toFile: merges, atomically: true, encoding: .utf8)
            let tokenizer = try TokenizerLoader.load(path: directory)
            #expect(tokenizer.encode("abb<|endoftext|>") == [2, 1, 3])
            try "#version: 0.2\na b\n\na b\n".write(toFile: merges, atomically: true, encoding: .utf8)
            #expect(throws: TokenizerError.invalidMerge(file: merges, index: 3, reason: "expected two tokens separated by one space")) {
                try TokenizerLoader.load(path: directory)
            }
            try "a q\n".write(toFile: merges, atomically: true, encoding: .utf8)
            #expect(throws: TokenizerError.invalidMerge(file: merges, index: 1, reason: #""q" is not in the vocabulary"#)) {
                try TokenizerLoader.load(path: directory)
            }
        }
    }
}
