import Foundation
import Testing
@testable import Shared

/// Every tokenizer form a source can have is found, so checkpoints always carry a tokenizer.
struct TokenizerFilesTests {
    func touch(_ directory: String, _ names: [String]) throws {
        for name in names { try "{}".write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
    }

    @Test func aDirectoryGivesEachOfItsTokenizerFiles() throws {
        try withTemporaryDirectory { directory in
            try touch(directory, ["vocab.json", "merges.txt", "added_tokens.json", "config.json"])
            let pair = try #require(TokenizerFiles(at: directory))
            #expect(pair.files.map(\.name) == ["vocab.json", "merges.txt", "added_tokens.json"])
            #expect(pair.files.map(\.path) == ["vocab.json", "merges.txt", "added_tokens.json"].map { directory + "/" + $0 })
            #expect(pair.transformersClass == "GPT2Tokenizer")

            try touch(directory, ["tokenizer.json"])
            #expect(try #require(TokenizerFiles(at: directory)).files.map(\.name) == ["tokenizer.json", "vocab.json", "merges.txt", "added_tokens.json"])
        }
    }

    @Test func tokenizerJSONAloneIsTheFastClass() throws {
        try withTemporaryDirectory { directory in
            try touch(directory, ["tokenizer.json", "vocab.json"])
            let files = try #require(TokenizerFiles(at: directory))
            #expect(files.files.map(\.name) == ["tokenizer.json"])
            #expect(files.transformersClass == "PreTrainedTokenizerFast")
        }
    }

    @Test func aFileIsTakenAsTokenizerJSON() throws {
        try withTemporaryDirectory { directory in
            try touch(directory, ["byte.json"])
            let files = try #require(TokenizerFiles(at: directory + "/byte.json"))
            #expect(files.files == [TokenizerFiles.File(name: "tokenizer.json", path: directory + "/byte.json")])
        }
    }

    @Test func noTokenizerFilesGiveNil() throws {
        try withTemporaryDirectory { directory in
            #expect(TokenizerFiles(at: directory) == nil)
            try touch(directory, ["vocab.json", "added_tokens.json"])
            #expect(TokenizerFiles(at: directory) == nil)
            #expect(TokenizerFiles(at: directory + "/missing") == nil)
        }
    }
}
