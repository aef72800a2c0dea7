import Foundation

/// The files a tokenizer was loaded from (`TokenizerLoader`'s forms: a `tokenizer.json`, or GPT-2's
/// `vocab.json` + `merges.txt` with an optional `added_tokens.json`), so a model directory written from
/// it can carry every one of them and always has a tokenizer.
public struct TokenizerFiles: Sendable, Equatable {
    public static let vocabularyFileName = "vocab.json"
    public static let mergesFileName = "merges.txt"
    public static let addedTokensFileName = "added_tokens.json"
    /// `transformers`' class for a tokenizer that is only a `tokenizer.json`.
    public static let fastTokenizerClass = "PreTrainedTokenizerFast"

    /// One file: its name in a model directory, and where it is now.
    public struct File: Sendable, Equatable {
        public let name: String
        public let path: String
    }

    /// The files, `tokenizer.json` first.
    public let files: [File]

    /// The tokenizer files at `path`: a file is taken as a `tokenizer.json`, as `TokenizerLoader` reads
    /// it; a directory gives each of its tokenizer files. Nil when there is none.
    public init?(at path: String) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else {
            files = [File(name: TokenizerFile.fileName, path: path)]
            return
        }
        func present(_ name: String) -> File? {
            let file = (path as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
            return File(name: name, path: file)
        }
        var found = [present(TokenizerFile.fileName)].compactMap { $0 }
        if let vocabulary = present(Self.vocabularyFileName), let merges = present(Self.mergesFileName) {
            found += [vocabulary, merges] + [present(Self.addedTokensFileName)].compactMap { $0 }
        }
        guard !found.isEmpty else { return nil }
        files = found
    }

    /// `transformers`' class for these files: `GPT2Tokenizer` when `vocab.json` + `merges.txt` are
    /// there (it reads them, and `AutoTokenizer` still prefers a `tokenizer.json` beside them), else
    /// `PreTrainedTokenizerFast`, which needs only `tokenizer.json`.
    public var transformersClass: String {
        files.contains { $0.name == Self.mergesFileName } ? "GPT2Tokenizer" : Self.fastTokenizerClass
    }
}
