import ArgumentParser
import Foundation
import Shared

/// Measures the single-thread sgemm peak, then runs every config × thread count as a child `row`
/// process, and prints the machine, a table with units and one JSON line per row.
struct SuiteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suite", abstract: "Run every config at every thread count (the default).")

    @Option(help: "Comma-separated configs.")
    var configs: String = BenchConfig.all.map(\.name).joined(separator: ",")

    @Option(help: "Comma-separated compute thread counts.")
    var threads: String = "1,2"

    @OptionGroup var timing: StepOptions

    @Option(help: "Also write the JSON lines (machine first, then one per row) to this file.")
    var json: String?

    @Option(name: .customLong("blas-core"), help: ArgumentHelp(BLASCoreMode.help + " Rows run with the suite's core."))
    var blasCore: BLASCoreMode = .auto

    func run() throws {
        let kernels = try BLASCoreSetup.establish(mode: blasCore, log: Logger(component: "blas"))
        let configNames = configs.split(separator: ",").map(String.init)
        let threadCounts = threads.split(separator: ",").compactMap { Int($0) }
        for name in configNames where BenchConfig.named(name) == nil { throw ValidationError("unknown config \(name)") }
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ $0 >= 1 }) else { throw ValidationError("bad --threads \(threads)") }

        let date = ISO8601DateFormatter().string(from: Date())
        print("bfpo-bench  \(date)")
        print("machine     \(Machine.cpuDescription), \(Machine.cores) logical CPUs, BLAS core \(kernels.core)")
        let peak = PeakGEMM.measure()
        print(String(format: "sgemm peak  %.1f GFLOPS single-thread (%d×%d×%d, best of 3 rounds)",
                     peak, PeakGEMM.m, PeakGEMM.k, PeakGEMM.n))
        var lines = [try MachineLine(cpu: Machine.cpuDescription, cores: Machine.cores, date: date,
                                     peakGFLOPS1Thread: peak, blasCore: kernels.core).jsonLine()]
        var rows: [RowResult] = []
        for name in configNames {
            for count in threadCounts {
                var row = try runRow(config: name, threads: count)
                row.peakGFLOPS1Thread = peak
                row.peakShare = row.gflops / (peak * Double(count))
                rows.append(row)
                lines.append(try row.jsonLine())
            }
        }
        print("")
        print(Self.table(rows))
        print("")
        for line in lines { print(line) }
        if let json { try (lines.joined(separator: "\n") + "\n").write(toFile: json, atomically: true, encoding: .utf8) }
    }

    /// Runs `bfpo-bench row …` in a child process and decodes its JSON line. The child inherits the
    /// environment `BLASCoreSetup` left, so it starts on the suite's core without restarting.
    private func runRow(config: String, threads: Int) throws -> RowResult {
        let process = Process()
        process.executableURL = Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["row", "--config", config, "--threads", "\(threads)", "--blas-core", "\(blasCore)"]
            + timing.arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = String(decoding: data, as: UTF8.self)
            .split(separator: "\n").last(where: { $0.hasPrefix("{") })
        else {
            throw ValidationError("row \(config) × \(threads) threads failed with status \(process.terminationStatus)")
        }
        return try JSONDecoder().decode(RowResult.self, from: Data(line.utf8))
    }

    /// The rows as a fixed-width text table with units.
    static func table(_ rows: [RowResult]) -> String {
        let header = ["config", "BLAS core", "threads", "s/step", "tokens/s", "GFLOP/step", "GFLOPS", "% of peak×threads", "peak RSS MiB", "other load CPUs"]
        var cells = [header]
        for r in rows {
            cells.append([
                r.config, r.blasCore, "\(r.threads)", String(format: "%.3f", r.secondsPerStep), String(format: "%.1f", r.tokensPerSecond),
                String(format: "%.1f", r.gflopPerStep), String(format: "%.1f", r.gflops),
                String(format: "%.1f", 100 * (r.peakShare ?? 0)), String(format: "%.0f", r.peakRSSMiB),
                r.otherLoadCPUs.map { String(format: "%.2f", $0) } ?? "n/a",
            ])
        }
        let widths = header.indices.map { column in cells.map { $0[column].count }.max()! }
        return cells.map { row in
            row.indices.map { column -> String in
                let cell = row[column], space = String(repeating: " ", count: widths[column] - cell.count)
                return column < 2 ? cell + space : space + cell   // text left, numbers right
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// The first JSON line of a suite: the machine and the single-thread sgemm peak.
struct MachineLine: Codable {
    var impl = "machine"
    var cpu: String
    var cores: Int
    var date: String
    var peakGFLOPS1Thread: Double
    var blasCore: String

    enum CodingKeys: String, CodingKey {
        case impl, cpu, cores, date
        case peakGFLOPS1Thread = "peak_gflops_1thread"
        case blasCore = "blas_core"
    }
}
