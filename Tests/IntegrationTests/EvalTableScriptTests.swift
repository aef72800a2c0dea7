import Foundation
import Testing

/// bench/eval_table.sh, which `make demo` ends with: one column per report, percentages with one decimal,
/// "-" where a report lacks a metric, the generative rows only when the reports have them.
struct EvalTableScriptTests {
    @Test func reportsBecomeOneTableWithAColumnPerModel() throws {
        let scratch = try ScratchDirectory("eval-table")
        defer { scratch.remove() }
        let dir = scratch.url.path
        try #"{"eval_loss":12.5,"eval_safety/helpfulness/logp_per_token":0.5,"eval_safety/prefers_safe/logp_per_token":0.9166666,"eval_safety/ranking_accuracy/implicit_reward":1,"eval_generate/refusal_rate":0.25,"eval_generate/over_refusal_rate":0.0625}"#
            .write(toFile: dir + "/a.json", atomically: true, encoding: .utf8)
        try #"{"eval_safety/helpfulness/logp_per_token":0.125,"eval_safety/prefers_safe/logp_per_token":1e-3}"#
            .write(toFile: dir + "/b.json", atomically: true, encoding: .utf8)
        let script = LauncherTests.repository.appendingPathComponent("bench/eval_table.sh").path
        let result = try ProcessRunner.run(executable: URL(fileURLWithPath: script), ["SFT=\(dir)/a.json", "BFPO=\(dir)/b.json"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "| % of test prompts | SFT | BFPO |")
        #expect(lines.contains("| prefers-safe (per token) | 91.7 | 0.1 |"))
        #expect(lines.contains("| helpfulness, benign (per token) | 50.0 | 12.5 |"))
        #expect(lines.contains("| ranking accuracy (implicit reward) | 100.0 | - |"))
        #expect(lines.contains("| generated: over-refusal on benign prompts | 6.2 | - |"))
        #expect(lines.count == 2 + 8 + 3)

        let bad = try ProcessRunner.run(executable: URL(fileURLWithPath: script), ["just-a-file.json"])
        #expect(bad.status == 2 && bad.stderr.contains("is not NAME=REPORT.json"))
    }
}
