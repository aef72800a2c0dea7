import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker tokenize` (docs/contracts.md, "`bfpo-worker tokenize`"): one JSON string per input line in, one JSON
/// array of token ids per output line out, equal to Hugging Face `tokenizers`' `encode(text).ids`.
struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize JSON strings from standard input, one per line, into JSON arrays of token ids.",
        discussion: """
            Added tokens such as <|endoftext|> are recognised in the text and nothing is added around it. \
            A line that is not one JSON string of valid UTF-8 stops the command with an error naming the line; \
            the lines before it have been written. With --decode the direction is reversed: each input line is a \
            JSON array of ids and each output line the JSON string they decode to.
            """
    )

    @Option(help: "A tokenizer.json, or a directory with tokenizer.json or vocab.json + merges.txt.")
    var tokenizer: String

    @Flag(help: "Decode instead: read JSON arrays of ids, write JSON strings (added tokens written as their text).")
    var decode = false

    func run() throws {
        let model = try TokenizerLoader.load(path: self.tokenizer)
        var output: [UInt8] = []
        var pending: [UInt8] = []  // the start of a line whose line feed has not arrived yet
        var lineNumber = 0
        defer { FileHandle.standardOutput.write(Data(output)) }

        func process(_ line: UnsafeBufferPointer<UInt8>) throws {
            lineNumber += 1
            if decode {
                let ids = try TokenizeLineCodec.ids(line: line, number: lineNumber)
                TokenizeLineCodec.append(string: model.decode(ids), to: &output)
            } else {
                let text = try TokenizeLineCodec.text(line: line, number: lineNumber)
                TokenizeLineCodec.append(ids: model.encode(text), to: &output)
            }
            if output.count >= 1 << 20 {
                FileHandle.standardOutput.write(Data(output))
                output.removeAll(keepingCapacity: true)
            }
        }

        while true {
            let chunk = FileHandle.standardInput.availableData
            if chunk.isEmpty { break }
            pending.append(contentsOf: chunk)
            var start = 0
            try pending.withUnsafeBufferPointer { buffer in
                while let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    try process(UnsafeBufferPointer(rebasing: buffer[start..<newline]))
                    start = newline + 1
                }
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { try pending.withUnsafeBufferPointer { try process($0) } }
    }
}
