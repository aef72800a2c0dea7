import Foundation
import Testing
@testable import Shared

/// `ChatTemplate.jinja`, the `chat_template` of every `tokenizer_config.json` we write, rendered by
/// Python's `jinja2` as `transformers`' `apply_chat_template` renders it (a sandboxed environment with
/// `trim_blocks` and `lstrip_blocks`, the special tokens as variables) gives exactly the text
/// `ChatTemplate` gives. Where `python3` or `jinja2` is missing the test is skipped, and says so: the
/// template is then not checked.
private let python = URL(fileURLWithPath: "/usr/bin/env")

/// Whether `python3 -c "import jinja2"` succeeds.
private let jinjaAvailable: Bool = {
    (try? ProcessRunner.run(executable: python, ["python3", "-c", "import jinja2"], timeout: 30))?.status == 0
}()

struct ChatTemplateJinjaTests {
    /// Renders each case with `jinja2`; the script reads one JSON object on standard input and writes a
    /// JSON array of the rendered texts.
    static let renderer = """
        import json, sys
        from jinja2.sandbox import ImmutableSandboxedEnvironment
        request = json.load(sys.stdin)
        template = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True).from_string(request["template"])
        tokens = request["tokens"]
        json.dump([template.render(messages=case["messages"], add_generation_prompt=case["add_generation_prompt"], **tokens)
                   for case in request["cases"]], sys.stdout)
        """

    struct Case {
        let messages: [ChatMessage]
        let addGenerationPrompt: Bool
        /// What `ChatTemplate` gives for it.
        let expected: String
    }

    static func cases(_ template: ChatTemplate) -> [Case] {
        let conversations: [[ChatMessage]] = [
            [],
            [.user("How do I bake bread?")],
            [.system("You are helpful."), .user("Hi")],
            [.system(""), .user("")],
            [.user("First"), .assistant("Answer one"), .user("Second {{ not jinja }} {% raw %} \\n \"quoted\" 'single'")],
            [.system("Be brief."), .user("Ünïcødé 👋🏽\nline two\n"), .assistant("<|user|> inside"), .user("Why?")],
        ]
        var cases = conversations.map { Case(messages: $0, addGenerationPrompt: true, expected: template.prompt($0)) }
        // A conversation ending with the assistant's reply renders as the training text (prompt, then
        // response) and the turn's closing newline.
        for (history, reply) in [([ChatMessage.user("Hi")], "Hello!"), ([.system("S"), .user("Q1"), .assistant("A1"), .user("Q2")], "A2 ✓")] {
            cases.append(Case(messages: history + [.assistant(reply)], addGenerationPrompt: false,
                              expected: template.prompt(history) + template.response(reply) + "\n"))
        }
        return cases
    }

    @Test(.enabled(if: jinjaAvailable, "python3 with jinja2 is not installed here: the chat_template was NOT checked"),
          arguments: ["<|endoftext|>", "</s>"])
    func jinjaRenderingEqualsChatTemplate(eos: String) throws {
        let template = ChatTemplate(eosToken: eos)
        let cases = Self.cases(template)
        let request: [String: Any] = [
            "template": ChatTemplate.jinja,
            "tokens": ["bos_token": eos, "eos_token": eos, "unk_token": eos, "pad_token": eos],
            "cases": cases.map { ["messages": $0.messages.map { ["role": $0.role.rawValue, "content": $0.content] },
                                  "add_generation_prompt": $0.addGenerationPrompt] as [String: Any] },
        ]
        let input = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        let result = try ProcessRunner.run(executable: python, ["python3", "-c", Self.renderer], stdin: input, timeout: 60)
        #expect(result.status == 0, "\(result.stderr)")
        let rendered = try JSONDecoder().decode([String].self, from: Data(result.stdout.utf8))
        #expect(rendered.count == cases.count)
        for (text, item) in zip(rendered, cases) {
            #expect(text == item.expected, "\(item.messages)")
        }
        print("chat_template: \(cases.count) conversations rendered by jinja2 equal ChatTemplate's text (eos \(eos))")
    }
}

/// The Jinja source docs/contracts.md shows is the one we write.
@Test func contractsShowTheWrittenChatTemplate() throws {
    let contracts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/contracts.md")
    #expect(try String(contentsOf: contracts, encoding: .utf8).contains("  " + ChatTemplate.jinja + "\n"))
}
