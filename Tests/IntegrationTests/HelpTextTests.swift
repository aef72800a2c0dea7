import Foundation
import Testing

/// The commands' `--help` as users read it: swift-argument-parser adds "(default: …)" to every option
/// with a default value, so a help string must not say its default again.
struct HelpTextTests {
    /// The option entries of a help text, each with its wrapped lines joined.
    static func optionEntries(_ help: String) -> [String] {
        var entries: [String] = []
        for line in help.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("  -") {
                entries.append(text)
            } else if line.hasPrefix("   "), !entries.isEmpty {
                entries[entries.count - 1] += " " + text
            }
        }
        return entries
    }

    @Test(arguments: [
        ("bfpo-coordinator", "train"), ("bfpo-coordinator", "serve"), ("bfpo-worker", "run"), ("bfpo-worker", "gradient"),
        ("bfpo-worker", "init"), ("bfpo-worker", "make-tokenizer"), ("bfpo-worker", "tokenize"), ("bfpo-worker", "data-stats"),
        ("bfpo-worker", "eval"), ("bfpo-worker", "generate"), ("bfpo-worker", "keygen"),
    ])
    func everyOptionNamesItsDefaultOnce(tool: String, command: String) throws {
        let output = try ProcessRunner.run(tool, [command, "--help"])
        #expect(output.status == 0, "\(output.stderr)")
        let entries = Self.optionEntries(output.stdout)
        #expect(entries.count >= 2, "\(output.stdout)")
        for entry in entries {
            #expect(entry.components(separatedBy: "default").count <= 2, "\(tool) \(command): \(entry)")
        }
    }

    /// Defaults that depend on the machine are described, not printed as this machine's value.
    @Test func machineDependentDefaultsAreDescribed() throws {
        let run = Self.optionEntries(try ProcessRunner.run("bfpo-worker", ["run", "--help"]).stdout)
        #expect(run.contains { $0.hasPrefix("--threads <threads>") && $0.hasSuffix("(default: all cores).") }, "\(run)")
        #expect(run.contains { $0.hasPrefix("--name <name>") && $0.hasSuffix("(default: host name and process id).") }, "\(run)")
        let eval = Self.optionEntries(try ProcessRunner.run("bfpo-worker", ["eval", "--help"]).stdout)
        #expect(eval.contains { $0.hasPrefix("--threads <threads>") && $0.hasSuffix("(default: all cores).") }, "\(eval)")
        let serve = Self.optionEntries(try ProcessRunner.run("bfpo-coordinator", ["serve", "--help"]).stdout)
        #expect(serve.contains { $0.hasPrefix("--name <name>") && $0.hasSuffix("(default: host name and process id).") }, "\(serve)")
    }
}
