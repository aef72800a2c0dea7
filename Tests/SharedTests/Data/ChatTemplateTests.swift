import Foundation
import Testing
@testable import Shared

/// The chat template renders the exact strings of docs/contracts.md ("Chat template"), and its eos comes from the model directory.
struct ChatTemplateTests {
    let gpt2 = ChatTemplate(eosToken: "<|endoftext|>")

    @Test func singleTurnPromptEndsWithTheAssistantHeader() {
        #expect(gpt2.prompt([.user("Hi")]) == "<|system|>\n<|endoftext|>\n<|user|>\nHi<|endoftext|>\n<|assistant|>\n")
        #expect(gpt2.response("Hello!") == "Hello!<|endoftext|>")
        #expect(gpt2.response("") == "<|endoftext|>")
    }

    @Test func multiTurnPromptRendersEveryTurnInOrder() {
        let template = ChatTemplate(eosToken: "</s>")
        #expect(template.prompt([.user("A"), .assistant("B"), .user("C")])
                == "<|system|>\n</s>\n<|user|>\nA</s>\n<|assistant|>\nB</s>\n<|user|>\nC</s>\n<|assistant|>\n")
    }

    @Test func aSystemMessageReplacesTheEmptyOne() {
        #expect(gpt2.prompt([.system("Be brief."), .user("2+2?")])
                == "<|system|>\nBe brief.<|endoftext|>\n<|user|>\n2+2?<|endoftext|>\n<|assistant|>\n")
    }

    /// Writes `files` (name → JSON text) into a fresh directory and resolves the eos there.
    func eos(_ files: [String: String], specials: [String]) throws -> ChatTemplate.EndOfSequence {
        try withTemporaryDirectory { directory in
            for (name, text) in files {
                try text.write(toFile: (directory as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
            }
            return try ChatTemplate.endOfSequence(directory: directory, tokenizer: CharacterTokenizer(specials: specials))
        }
    }

    @Test func eosIsTheTokenizersEndOfTextUnlessTheDirectoryNamesAnother() throws {
        let specials = ["<|endoftext|>", "</s>"]
        #expect(try eos([:], specials: specials) == .init(token: "<|endoftext|>", id: 128, origin: "the tokenizer's <|endoftext|>"))
        #expect(try eos(["tokenizer_config.json": #"{"eos_token": "</s>"}"#], specials: specials)
                == .init(token: "</s>", id: 129, origin: "tokenizer_config.json"))
        #expect(try eos(["tokenizer_config.json": #"{"eos_token": {"__type": "AddedToken", "content": "</s>"}}"#], specials: specials).token == "</s>")
        #expect(try eos(["special_tokens_map.json": #"{"eos_token": "</s>"}"#], specials: specials).origin == "special_tokens_map.json")
        // tokenizer_config.json wins over special_tokens_map.json; a null eos_token defers to the next source.
        #expect(try eos(["tokenizer_config.json": #"{"eos_token": "<|endoftext|>"}"#, "special_tokens_map.json": #"{"eos_token": "</s>"}"#],
                        specials: specials).token == "<|endoftext|>")
        #expect(try eos(["tokenizer_config.json": #"{"eos_token": null}"#, "special_tokens_map.json": #"{"eos_token": "</s>"}"#],
                        specials: specials).token == "</s>")
        // Without <|endoftext|>, config.json's eos_token_id is the last resort.
        #expect(try eos(["config.json": #"{"eos_token_id": 129}"#], specials: ["<pad>", "<eos>"])
                == .init(token: "<eos>", id: 129, origin: "config.json's eos_token_id"))
    }

    @Test func anEosThatIsNotOneTokenIsRefused() throws {
        let unknown = datasetError { _ = try eos(["tokenizer_config.json": #"{"eos_token": "</s>"}"#], specials: ["<|endoftext|>"]) }
        #expect(unknown?.description.hasSuffix("no end-of-sequence token for the chat template: tokenizer_config.json names eos_token \"</s>\", which is not a single token of the tokenizer") == true,
                "\(String(describing: unknown))")
        let none = datasetError { _ = try eos([:], specials: ["<pad>"]) }
        #expect(none?.description.contains("neither tokenizer_config.json nor special_tokens_map.json names an eos_token") == true)
        let broken = datasetError { _ = try eos(["tokenizer_config.json": "{"], specials: ["<|endoftext|>"]) }
        #expect(broken?.description.hasSuffix("tokenizer_config.json is not a JSON object") == true)
    }
}
