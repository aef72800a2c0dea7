import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker make-tokenizer`: writes the byte tokenizer (`ByteTokenizer`) for models trained from
/// scratch, as a `tokenizer.json` that both this project and Hugging Face `tokenizers` load. Into a
/// directory it also writes what `transformers` needs beside it (`ModelDirectory.describeTokenizer`),
/// so `init` then `make-tokenizer` give a complete model directory.
struct MakeTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-tokenizer",
        abstract: "Write the byte tokenizer (ids 0-255 are bytes, then the chat template's special tokens) as tokenizer.json."
    )

    @Option(help: "Where to write: a file, or an existing directory to write tokenizer.json, tokenizer_config.json and special_tokens_map.json into (and generation_config.json when it holds config.json).")
    var out: String

    func run() throws {
        var isDirectory: ObjCBool = false
        var path = out
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
            path = (out as NSString).appendingPathComponent(TokenizerFile.fileName)
        }
        try ByteTokenizer.write(to: path)
        if isDirectory.boolValue {
            let hasConfig = FileManager.default.fileExists(atPath: (out as NSString).appendingPathComponent(ModelDirectory.configFileName))
            let config = hasConfig ? try ModelDirectory.loadConfig(directory: out) : nil
            try ModelDirectory.describeTokenizer(ByteTokenizer.roles, tokenizerClass: TokenizerFiles.fastTokenizerClass,
                                                 config: config, in: out)
        }
        FileHandle.standardError.write(Data(
            "wrote the byte tokenizer (\(ByteTokenizer.vocabularySize) ids: 256 bytes, then \(ByteTokenizer.specialTokens.joined(separator: " "))) to \(path)\n".utf8))
    }
}
