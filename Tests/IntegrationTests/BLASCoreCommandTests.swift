import Foundation
import Testing
@testable import Shared

/// `--blas-core` as users run it: whatever kernels the process ends up with, it says which in one log
/// line on stderr, and the `gradient` contract on stdout is the same up to float rounding.
struct BLASCoreCommandTests {
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory("blas-core") }

    func path(_ name: String) -> String { scratch.path(name) }

    /// The core named by the `BLAS core: NAME (reason)` line of `stderr`, if there is exactly one.
    func loggedCore(_ stderr: String) -> String? {
        let lines = stderr.split(separator: "\n").filter { $0.contains("BLAS core: ") }
        guard lines.count == 1, let line = lines.first, let range = line.range(of: "BLAS core: ") else { return nil }
        return line[range.upperBound...].split(separator: " ").first.map(String.init)
    }

    @Test func systemAndAutoLogTheirCoreAndPrintTheSameReport() throws {
        defer { scratch.remove() }
        let made = try ProcessRunner.run("bfpo-worker", [
            "init", "--layers", "2", "--heads", "2", "--embd", "8", "--vocab", "13", "--positions", "16",
            "--seed", "1", "--out", path("policy")])
        #expect(made.status == 0, "\(made.stderr)")
        try """
            {"chosen_ids":[3,9,4,1],"chosen_mask":[0,0,1,1],"rejected_ids":[3,9,7],"rejected_mask":[0,0,1],"is_chosen_safe":1,"is_rejected_safe":0}
            {"chosen_ids":[5,2,8],"chosen_mask":[0,1,1],"rejected_ids":[5,2,6,6,0],"rejected_mask":[0,1,1,1,1],"is_chosen_safe":0,"is_rejected_safe":1}

            """.write(toFile: path("pairs.jsonl"), atomically: true, encoding: .utf8)

        var reports: [[String: Any]] = []
        for mode in ["system", "auto"] {
            let result = try ProcessRunner.run("bfpo-worker", [
                "gradient", "--model", path("policy"), "--data", path("pairs.jsonl"), "--threads", "1",
                "--blas-core", mode, "--out", path("grad-\(mode).safetensors")])
            #expect(result.status == 0, "\(result.stderr)")
            let core = try #require(loggedCore(result.stderr), "no single BLAS core line in: \(result.stderr)")
            #expect(!core.isEmpty)
            reports.append(try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]))
        }

        let (system, auto) = (reports[0], reports[1])
        #expect(system["objective"] as? String == auto["objective"] as? String)
        let (systemLoss, autoLoss) = (try #require(system["loss"] as? Double), try #require(auto["loss"] as? Double))
        #expect(abs(systemLoss - autoLoss) <= 1e-5 * abs(systemLoss))
        let (systemPairs, autoPairs) = (try #require(system["pairs"] as? [[String: Any]]), try #require(auto["pairs"] as? [[String: Any]]))
        #expect(systemPairs.count == autoPairs.count)
        for (a, b) in zip(systemPairs, autoPairs) {
            for key in ["chosen_ids", "chosen_mask", "rejected_ids", "rejected_mask"] { #expect(a[key] as? [Int] == b[key] as? [Int]) }
            for key in ["policy_chosen_logp", "policy_rejected_logp", "reference_chosen_logp", "reference_rejected_logp"] {
                let (x, y) = (try #require(a[key] as? Double), try #require(b[key] as? Double))
                #expect(abs(x - y) <= 1e-5 * abs(x), "\(key): \(x) vs \(y)")
            }
        }
    }

    @Test func aCoreTheCPUCannotRunOrAnUnknownNameIsRefusedBeforeAnyWork() throws {
        defer { scratch.remove() }
        let unknown = try ProcessRunner.run("bfpo-worker", [
            "gradient", "--model", path("none"), "--data", path("none.jsonl"), "--blas-core", "Skylake", "--out", path("g")])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("--blas-core Skylake names no OpenBLAS core"), "\(unknown.stderr)")
        #expect(unknown.stdout.isEmpty)
        // No Intel CPU has FMA4, and no AMD CPU since Zen.
        let unsupported = try ProcessRunner.run("bfpo-worker", [
            "gradient", "--model", path("none"), "--data", path("none.jsonl"), "--blas-core", "Bulldozer", "--out", path("g")])
        #expect(unsupported.status != 0)
        #expect(unsupported.stderr.contains("needs FMA4"), "\(unsupported.stderr)")
    }
}
