import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker make-tokenizer`: writes the byte tokenizer (`ByteTokenizer`) for models trained from
/// scratch, as a `tokenizer.json` that both this project and Hugging Face `tokenizers` load.
struct MakeTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-tokenizer",
        abstract: "Write the byte tokenizer (ids 0-255 are bytes, then the chat template's special tokens) as tokenizer.json."
    )

    @Option(help: "Where to write: a file, or an existing directory to write tokenizer.json into.")
    var out: String

    func run() throws {
        var isDirectory: ObjCBool = false
        var path = out
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
            path = (out as NSString).appendingPathComponent(TokenizerFile.fileName)
        }
        try ByteTokenizer.write(to: path)
        FileHandle.standardError.write(Data(
            "wrote the byte tokenizer (\(ByteTokenizer.vocabularySize) ids: 256 bytes, then \(ByteTokenizer.specialTokens.joined(separator: " "))) to \(path)\n".utf8))
    }
}
